// Turns `{ controllers, scheduler, simNodes }` into the components `k8ts server` runs. Each
// module is loaded only when asked for, so an API-server-only start never pays for them.
// A single embedded instance needs no leader election, so it is off unless asked for.

import type { Component } from '../cli/server.ts';
import type { ControllerManagerComponentOptions } from '../controllers/component.ts';
import type { SchedulerComponentOptions } from '../scheduler/component.ts';
import type { SimNodesOptions } from '../sim/sim-nodes.ts';

export interface BuiltinComponentOptions {
  /** The controller manager: `true`, a `--controllers` selection such as `'*,-garbagecollector'`, or its options. */
  controllers?: boolean | string | ControllerManagerComponentOptions;
  /** The scheduler: `true` or its options. */
  scheduler?: boolean | SchedulerComponentOptions;
  /** Simulated nodes: how many, or their options (`count` is required then). */
  simNodes?: number | (Partial<Omit<SimNodesOptions, 'client'>> & { count: number });
}

export async function builtinComponents(opts: BuiltinComponentOptions): Promise<Component[]> {
  const components: Component[] = [];
  if (opts.controllers) {
    const { controllerManagerComponent } = await load<typeof import('../controllers/component.ts')>('controllers', () => import('../controllers/component.ts'));
    const given = typeof opts.controllers === 'object' ? opts.controllers : typeof opts.controllers === 'string' ? { controllers: opts.controllers } : {};
    components.push(controllerManagerComponent({ leaderElect: false, ...given }));
  }
  if (opts.scheduler) {
    const { schedulerComponentWith } = await load<typeof import('../scheduler/component.ts')>('scheduler', () => import('../scheduler/component.ts'));
    components.push(schedulerComponentWith({ leaderElection: false, ...(typeof opts.scheduler === 'object' ? opts.scheduler : {}) }));
  }
  const sim = typeof opts.simNodes === 'number' ? { count: opts.simNodes } : opts.simNodes;
  if (sim && sim.count > 0) {
    const { simNodesComponent } = await load<typeof import('../sim/component.ts')>('simNodes', () => import('../sim/component.ts'));
    components.push(simNodesComponent(sim));
  }
  return components;
}

async function load<T>(option: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
      throw new Error(`startControlPlane: option "${option}" needs a module this build of k8ts does not have (${e.message})`);
    }
    throw err;
  }
}
