// `k8ts scheduler` / the scheduler inside `k8ts server`: reaches the API server through the
// admin kubeconfig, elects a leader on kube-system/kube-scheduler, schedules while leading,
// and (when given a port) serves /healthz, /livez, /readyz and /metrics as kube-scheduler
// does on its port. Structurally a `Component` of src/cli/server.ts (declared by shape, so
// src/scheduler does not import the CLI).

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  /** Serve /healthz and /metrics over plain HTTP on this port (0: any free one); absent: not served. */
  port?: number;
  /** Default 127.0.0.1. */
  bindAddress?: string;
}

export interface SchedulerEndpoints {
  url: string;
  close(): Promise<void>;
}

/** /healthz, /livez, /readyz ("ok") and /metrics (Prometheus text) for a running scheduler. */
export async function serveSchedulerEndpoints(scheduler: Scheduler, port: number, host = '127.0.0.1'): Promise<SchedulerEndpoints> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    } else if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(scheduler.metricsText());
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function schedulerComponentWith(opts: SchedulerComponentOptions = {}) {
  return {
    name: 'scheduler',
    async start(ctx: SchedulerComponentContext): Promise<{ stop(): Promise<void> }> {
      const config = parseSchedulerConfig(opts.configPath ? readFileSync(opts.configPath, 'utf8') : undefined);
      // Upstream's scheduler client is limited to qps 50 / burst 100; against a local API
      // server that would cap bindings far below what the scheduler does, so no client limit.
      const client = new RestClient(loadKubeconfig(ctx.kubeconfigPath), { component: 'scheduler' });
      const scheduler = new Scheduler({ client, config, leaderElection: opts.leaderElection, log: ctx.log });
      await scheduler.start();
      const endpoints = opts.port === undefined ? undefined : await serveSchedulerEndpoints(scheduler, opts.port, opts.bindAddress);
      if (endpoints) ctx.log(`scheduler: serving /healthz and /metrics on ${endpoints.url}`);
      return {
        async stop() {
          await endpoints?.close();
          await scheduler.stop();
          client.close();
        },
      };
    },
  };
}

export const schedulerComponent = schedulerComponentWith();
