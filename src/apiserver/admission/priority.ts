// Priority admission for pods: spec.priority (and preemptionPolicy) come from the pod's
// PriorityClass, or from the class marked globalDefault when the pod names none; naming a
// class that does not exist is refused with 403, as upstream.

import { StatusError } from '../../api/errors.ts';
import type { GenericStore } from '../registry/generic-store.ts';

export function priorityAdmission(classes: GenericStore) {
  return async (pod: any): Promise<void> => {
    await classes.cache.ready();
    const spec = (pod.spec ??= {});
    let pc: any;
    if (spec.priorityClassName) {
      pc = classes.cache.get(classes.key('', spec.priorityClassName))?.obj;
      if (!pc) {
        throw new StatusError(403, 'Forbidden', `pods "${pod.metadata.name}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, {
          name: pod.metadata.name,
          kind: 'pods',
        });
      }
    } else {
      pc = classes.cache
        .list()
        .map((e) => e.obj)
        .filter((c) => c.globalDefault)
        .sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0];
      if (pc) spec.priorityClassName = pc.metadata.name;
    }
    spec.priority = pc?.value ?? 0;
    if (pc?.preemptionPolicy) spec.preemptionPolicy = pc.preemptionPolicy;
  };
}
