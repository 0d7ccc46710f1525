// DefaultBinder: binds through a function the shell supplies (a POST of pods/binding).

import { Status, type BindPlugin, type CycleState } from '../../framework/interfaces.ts';
import type { Pod } from '../../framework/v1.ts';

export const DEFAULT_BINDER = 'DefaultBinder';

export type BindFunction = (pod: Pod, nodeName: string) => Promise<void>;

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  constructor(private readonly bindFn: BindFunction | undefined) {}

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    if (!this.bindFn) return Status.error('DefaultBinder has no bind function');
    try {
      await this.bindFn(pod, nodeName);
      return Status.success();
    } catch (e) {
      return Status.error(e as Error);
    }
  }
}
