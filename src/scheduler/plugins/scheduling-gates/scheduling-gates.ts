// SchedulingGates: a pod with spec.schedulingGates stays out of the active queue.

import { Status, type PreEnqueuePlugin } from '../../framework/interfaces.ts';
import type { Pod } from '../../framework/v1.ts';

export const SCHEDULING_GATES = 'SchedulingGates';

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = SCHEDULING_GATES;

  preEnqueue(pod: Pod): Status {
    const gates = pod.spec.schedulingGates ?? [];
    if (!gates.length) return Status.success();
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }
}
