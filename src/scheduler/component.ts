// `k8ts scheduler` / the scheduler inside `k8ts server`: reaches the API server through the
// admin kubeconfig, elects a leader on kube-system/kube-scheduler, schedules while leading.
// Structurally a `Component` of src/cli/server.ts (declared by shape, so src/scheduler
// does not import the CLI).

import { readFileSync } from 'node:fs';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { RestClient } from '../client/rest-client.ts';
import { parseSchedulerConfig } from './config.ts';
import { Scheduler, type SchedulerOptions } from './scheduler.ts';

export interface SchedulerComponentContext {
  kubeconfigPath: string;
  log: (line: string) => void;
}

export interface SchedulerComponentOptions {
  /** A KubeSchedulerConfiguration file (`--config`). */
  configPath?: string;
  leaderElection?: SchedulerOptions['leaderElection'];
}

export function schedulerComponentWith(opts: SchedulerComponentOptions = {}) {
  return {
    name: 'scheduler',
    async start(ctx: SchedulerComponentContext): Promise<{ stop(): Promise<void> }> {
      const config = parseSchedulerConfig(opts.configPath ? readFileSync(opts.configPath, 'utf8') : undefined);
      // Upstream's defaults for the scheduler's client: qps 50, burst 100 — far too few for
      // thousands of bindings a second against a local API server, so no client-side limit.
      const client = new RestClient(loadKubeconfig(ctx.kubeconfigPath), { component: 'scheduler' });
      const scheduler = new Scheduler({ client, config, leaderElection: opts.leaderElection, log: ctx.log });
      await scheduler.start();
      return {
        async stop() {
          await scheduler.stop();
          client.close();
        },
      };
    },
  };
}

export const schedulerComponent = schedulerComponentWith();
