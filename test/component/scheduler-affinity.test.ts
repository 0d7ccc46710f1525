// Placement by other pods, through a real API server and simulated nodes: required pod
// anti-affinity across hostnames, pod affinity to a zone, topology spread across zones,
// host ports.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configFromParts } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { SimNodes } from '../../src/sim/sim-nodes.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let server: TestApiServer;
let client: RestClient;
let sim: SimNodes;
let scheduler: Scheduler;
const zoneOf = new Map<string, string>();

before(async () => {
  server = await startTestApiServer();
  client = new RestClient(configFromParts({ server: server.url }));
  // Six nodes, two in each of zone-a, zone-b, zone-c.
  sim = new SimNodes({ client, count: 6, shape: { cpu: '4', memory: '8Gi', pods: 30 }, heartbeatIntervalMs: 1000 });
  await sim.start();
  for (const n of sim.nodeNames()) {
    const node = await client.get<{ metadata: { labels: Record<string, string> } }>(resources.nodes, n);
    zoneOf.set(n, node.metadata.labels['topology.kubernetes.io/zone']!);
  }
  scheduler = new Scheduler({ client, leaderElection: false });
  await scheduler.start();
});

after(async () => {
  await scheduler?.stop();
  await sim?.stop();
  client?.close();
  await server?.stop();
});

interface PodLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: { nodeName?: string; [k: string]: unknown };
}

function pod(name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}): PodLike {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }], ...spec },
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function createAndWaitBound(pods: PodLike[]): Promise<string[]> {
  for (const p of pods) await client.create(resources.pods, p, { namespace: 'default' });
  const nodes: string[] = [];
  for (const p of pods) {
    nodes.push(
      await waitFor(`${p.metadata.name} bound`, async () => (await client.get<PodLike>(resources.pods, p.metadata.name, { namespace: 'default' })).spec.nodeName),
    );
  }
  return nodes;
}

async function failedScheduling(name: string): Promise<string> {
  return waitFor(`FailedScheduling for ${name}`, async () => {
    const list = await client.list<{ reason: string; message: string; involvedObject: { name: string } }>(resources.events, { namespace: 'default' });
    return list.items.find((e) => e.involvedObject.name === name && e.reason === 'FailedScheduling')?.message;
  });
}

test('required pod anti-affinity on kubernetes.io/hostname puts each replica on its own node', async () => {
  const antiAffinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }],
    },
  };
  const nodes = await createAndWaitBound(Array.from({ length: 6 }, (_, i) => pod(`db-${i}`, { app: 'db' }, { affinity: antiAffinity })));
  assert.equal(new Set(nodes).size, 6, `replicas share a node: ${nodes.join(',')}`);
  await client.create(resources.pods, pod('db-6', { app: 'db' }, { affinity: antiAffinity }), { namespace: 'default' });
  const msg = await failedScheduling('db-6');
  assert.match(msg, /^0\/6 nodes are available: 6 node\(s\) didn't match pod anti-affinity rules\. preemption: /);
});

test('required pod affinity follows the target pod into its zone', async () => {
  const [cacheNode] = await createAndWaitBound([pod('cache', { app: 'cache' }, { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-c' } })]);
  const affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'topology.kubernetes.io/zone' }],
    },
  };
  const nodes = await createAndWaitBound(Array.from({ length: 4 }, (_, i) => pod(`near-cache-${i}`, { app: 'near' }, { affinity })));
  for (const n of nodes) assert.equal(zoneOf.get(n), zoneOf.get(cacheNode!));
});

test('topology spread with maxSkew 1 over zones places replicas evenly', async () => {
  const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
  const nodes = await createAndWaitBound(Array.from({ length: 9 }, (_, i) => pod(`web-${i}`, { app: 'web' }, { topologySpreadConstraints: spread })));
  const perZone = new Map<string, number>();
  for (const n of nodes) perZone.set(zoneOf.get(n)!, (perZone.get(zoneOf.get(n)!) ?? 0) + 1);
  assert.deepEqual([...perZone.values()], [3, 3, 3], JSON.stringify([...perZone]));
});

test('a host port is given out once per node', async () => {
  const withPort = { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }] };
  const nodes = await createAndWaitBound(Array.from({ length: 6 }, (_, i) => pod(`hp-${i}`, { app: 'hp' }, withPort)));
  assert.equal(new Set(nodes).size, 6);
  await client.create(resources.pods, pod('hp-6', { app: 'hp' }, withPort), { namespace: 'default' });
  const msg = await failedScheduling('hp-6');
  assert.match(msg, /^0\/6 nodes are available: 6 node\(s\) didn't have free ports for the requested pod ports\. preemption: /);
});
