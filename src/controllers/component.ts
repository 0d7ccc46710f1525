// The controller manager as a component of `k8ts server` (or `k8ts controller-manager`): it
// reaches the API server through the admin kubeconfig like any other client, and publishes
// that kubeconfig's cluster CA as `kube-root-ca.crt`. Structurally a `Component` of
// src/cli/server.ts (declared here by shape, so src/controllers does not import the CLI).

import { loadKubeconfig } from '../client/kubeconfig.ts';
import { RestClient } from '../client/rest-client.ts';
import type { ControllerConfig } from './controller-utils.ts';
import { ControllerManager } from './controller-manager.ts';

export interface ControllerManagerComponentContext {
  kubeconfigPath: string;
  log: (line: string) => void;
}

export interface ControllerManagerComponentOptions {
  /** `--controllers`, e.g. `*,-garbagecollector`; default `*`. */
  controllers?: string | string[];
  /** `--leader-elect`; default true. */
  leaderElect?: boolean;
  /** Worker counts by controller name (upstream's --concurrent-*-syncs). */
  workers?: Record<string, number>;
  /** Extra settings for controllers that take flags. */
  config?: ControllerConfig;
  /** Client-side rate limit (upstream's --kube-api-qps 20 / --kube-api-burst 30); unlimited when unset. */
  qps?: number;
  burst?: number;
}

export function controllerManagerComponent(opts: ControllerManagerComponentOptions = {}) {
  return {
    name: 'controller-manager',
    async start(ctx: ControllerManagerComponentContext): Promise<{ stop(): Promise<void> }> {
      const clientConfig = loadKubeconfig(ctx.kubeconfigPath);
      const client = new RestClient(clientConfig, { component: 'kube-controller-manager', qps: opts.qps, burst: opts.burst });
      const manager = new ControllerManager({
        client,
        controllers: opts.controllers,
        leaderElect: opts.leaderElect,
        workers: opts.workers,
        config: { rootCA: clientConfig.ca, ...(opts.config ?? {}) },
        log: ctx.log,
      });
      manager.start();
      return {
        async stop() {
          await manager.stop();
          client.close();
        },
      };
    },
  };
}

export const controllerManager = controllerManagerComponent();
