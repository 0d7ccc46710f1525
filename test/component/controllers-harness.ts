// Shared set-up for the controllers-* component tests: a real API server on a temp SQLite
// file, a REST client and informer factory, the controllers under test, and a stand-in for
// the kubelet that marks pods Running and Ready (no scheduler or kubelet runs here).

import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { SharedInformerFactory } from '../../src/client/cache/informer-factory.ts';
import { EventRecorder } from '../../src/client/event-recorder.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { isStatusError } from '../../src/api/errors.ts';
import type { Pod } from '../../src/api/types/core-v1.ts';
import type { Controller, ControllerConfig, ControllerConstructor } from '../../src/controllers/controller-utils.ts';

export interface Env {
  api: TestApiServer;
  client: RestClient;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  controllers: Controller[];
  stop(): Promise<void>;
}

export async function startEnv(ctors: ControllerConstructor[], config: ControllerConfig = {}): Promise<Env> {
  const api = await startTestApiServer();
  const client = new RestClient({ server: api.url }, { component: 'controllers-test' });
  const informers = new SharedInformerFactory(client);
  const recorder = new EventRecorder({ client, component: 'controllers-test' });
  const controllers = ctors.map((C) => new C(informers, client, recorder, config));
  const done = controllers.map((c) => c.run(2));
  informers.start();
  return {
    api,
    client,
    informers,
    recorder,
    controllers,
    async stop() {
      for (const c of controllers) c.stop();
      await Promise.all(done.map((d) => d.catch(() => undefined)));
      await informers.stop();
      await recorder.stop();
      client.close();
      await api.stop();
    },
  };
}

/** Polls `probe` until it answers something truthy; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function createNamespace(client: RestClient, name: string): Promise<void> {
  await client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export function podTemplate(labels: Record<string, string>, image = 'nginx:1.25') {
  return { metadata: { labels }, spec: { containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }] } };
}

/** Marks a pod Running and Ready (with a pod IP), as a kubelet would. */
export async function makeReady(client: RestClient, pod: Pod, ip: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const fresh = attempt === 0 ? pod : await client.get<Pod>(resources.pods, pod.metadata!.name!, { namespace: pod.metadata?.namespace });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body: Pod = {
      ...fresh,
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        hostIP: '10.0.0.1',
        startTime: now,
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: 'True', lastTransitionTime: now },
        ],
      },
    };
    try {
      await client.update(resources.pods, body, { subresource: 'status' });
      return;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      if (!isStatusError(err, 'Conflict')) throw err;
    }
  }
}

/**
 * A fake kubelet: every pod that appears (in `namespace`) is made Ready after `delayMs`,
 * with a distinct IP. `pause()` stops it making pods ready (new pods stay Pending).
 */
export function fakeKubelet(client: RestClient, namespace: string, delayMs = 50) {
  const informer = new SharedInformerFactory(client).informerFor<Pod>(resources.pods, { namespace });
  let next = 1;
  let paused = false;
  const seen = new Set<string>();
  const pending: Promise<void>[] = [];
  const handle = (pod: Pod) => {
    const uid = pod.metadata?.uid ?? '';
    if (paused || seen.has(uid) || pod.metadata?.deletionTimestamp) return;
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    seen.add(uid);
    const ip = `10.1.${Math.floor(next / 250)}.${(next % 250) + 1}`;
    next++;
    pending.push(
      new Promise<void>((r) => setTimeout(r, delayMs))
        .then(() => makeReady(client, pod, ip))
        .catch(() => undefined),
    );
  };
  informer.addEventHandler({ onAdd: handle, onUpdate: (_o, p) => handle(p) });
  informer.run();
  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const p of informer.indexer.list()) handle(p);
    },
    async stop() {
      await informer.stop();
      await Promise.all(pending);
    },
  };
}
