// Shared set-up for the controllers2-* component tests: a real API server on a temp SQLite
// file, a REST client, one informer factory and event recorder, and the controllers under
// test running against them. Nothing else runs (no scheduler, no kubelet): tests play those.

import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { SharedInformerFactory } from '../../src/client/cache/informer-factory.ts';
import { EventRecorder } from '../../src/client/event-recorder.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { retryOnConflict } from '../../src/client/retry.ts';
import { StatusError } from '../../src/api/errors.ts';
import type { Controller } from '../../src/controllers/controller-utils.ts';

export interface Harness {
  api: TestApiServer;
  client: RestClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  /** Starts the controller's workers (they run until stop()). */
  start(controller: Controller, workers?: number): void;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const api = await startTestApiServer();
  const client = new RestClient({ server: api.url }, { component: 'controllers2-test' });
  const informers = new SharedInformerFactory(client);
  const recorder = new EventRecorder({ client, component: 'controller-manager' });
  const running: { controller: Controller; done: Promise<void> }[] = [];
  return {
    api,
    client,
    informers,
    recorder,
    start(controller, workers = 2) {
      running.push({ controller, done: controller.run(workers) });
    },
    async stop() {
      for (const r of running) r.controller.stop();
      await Promise.all(running.map((r) => r.done.catch(() => undefined)));
      await informers.stop();
      await recorder.stop();
      client.close();
      await api.stop();
    },
  };
}

/** Polls `probe` until it answers something truthy; fails with `what` after `timeoutMs` (generous: CI machines are shared). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Plays the kubelet: writes the pod's phase (and Ready condition) through pods/status. */
export async function setPodPhase(api: TestApiServer, namespace: string, name: string, phase: 'Running' | 'Succeeded' | 'Failed', ready = phase === 'Running'): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
  await updateObject(
    api,
    path,
    (pod) => {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      pod.status = {
        ...(pod.status ?? {}),
        phase,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
      };
    },
    `${path}/status`,
  );
}

/**
 * Reads the object at `path`, lets `change` edit it and PUTs it back (to `putPath`, e.g. its
 * status), again on 409 as the controllers write meanwhile. Returns what was written.
 */
export async function updateObject(api: TestApiServer, path: string, change: (obj: any) => void, putPath = path): Promise<any> {
  return retryOnConflict(async () => {
    const got = await api.call('GET', path);
    if (got.status !== 200) throw new Error(`get ${path}: ${got.status} ${got.text}`);
    change(got.body);
    const put = await api.call('PUT', putPath, got.body);
    if (put.status === 409) throw StatusError.fromStatus(put.body);
    if (put.status !== 200) throw new Error(`put ${putPath}: ${put.status} ${put.text}`);
    return put.body;
  });
}

export async function listPods(api: TestApiServer, namespace: string, labelSelector?: string): Promise<any[]> {
  const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
  const r = await api.call('GET', `/api/v1/namespaces/${namespace}/pods${q}`);
  if (r.status !== 200) throw new Error(`list pods: ${r.status} ${r.text}`);
  return r.body.items;
}
