// `k8ts server --sim-nodes N`: N simulated nodes beside the control plane, reaching it
// through the admin kubeconfig like any other component. Structurally a `Component` of
// src/cli/server.ts (declared here by shape, so src/sim does not import the CLI).

import { loadKubeconfig } from '../client/kubeconfig.ts';
import { RestClient } from '../client/rest-client.ts';
import { SimNodes, type SimNodesOptions } from './sim-nodes.ts';

export interface SimComponentContext {
  kubeconfigPath: string;
  config: { simNodes: number };
  log: (line: string) => void;
}

export function simNodesComponent(overrides: Partial<Omit<SimNodesOptions, 'client'>> = {}) {
  return {
    name: 'sim-nodes',
    async start(ctx: SimComponentContext): Promise<{ stop(): Promise<void> }> {
      const count = overrides.count ?? ctx.config.simNodes;
      if (!count) return { stop: async () => {} };
      const client = new RestClient(loadKubeconfig(ctx.kubeconfigPath), { component: 'sim-nodes' });
      const sim = new SimNodes({ log: ctx.log, ...overrides, client, count });
      const started = Date.now();
      await sim.start();
      ctx.log(`sim: ${count} simulated nodes registered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return {
        async stop() {
          await sim.stop();
          client.close();
        },
      };
    },
  };
}

export const simComponent = simNodesComponent();
