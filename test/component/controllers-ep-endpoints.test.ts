import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Endpoints, Pod, Service } from '../../src/api/types/core-v1.ts';
import type { EndpointSlice } from '../../src/api/types/discovery-v1.ts';
import { isStatusError } from '../../src/api/errors.ts';
import { resources } from '../../src/client/resources.ts';
import { EndpointSliceController, EndpointSliceMirroringController, SliceTracker } from '../../src/controllers/endpoint-slice.ts';
import { EndpointsController } from '../../src/controllers/endpoints.ts';
import { createNamespace, eventually, makeReady, podTemplate, startEnv, type Env } from './controllers-harness.ts';

let env: Env;
before(async () => {
  env = await startEnv([EndpointsController, EndpointSliceController, EndpointSliceMirroringController], { maxEndpointsPerSlice: 3 });
});
after(async () => {
  await env.stop();
});

async function pod(ns: string, name: string, labels: Record<string, string>): Promise<Pod> {
  return env.client.create<Pod>(resources.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { ...podTemplate(labels).spec, nodeName: 'node-1' } }, { namespace: ns });
}

async function service(ns: string, name: string, spec: Service['spec']): Promise<Service> {
  return env.client.create<Service>(resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec }, { namespace: ns });
}

async function endpoints(ns: string, name: string): Promise<Endpoints | undefined> {
  try {
    return await env.client.get<Endpoints>(resources.endpoints, name, { namespace: ns });
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return undefined;
    throw err;
  }
}

async function slices(ns: string, svc: string): Promise<EndpointSlice[]> {
  return (await env.client.list<EndpointSlice>(resources.endpointslices, { namespace: ns, labelSelector: `kubernetes.io/service-name=${svc}` })).items;
}

/** Marks a pod not ready (as a failing readiness probe would). */
async function makeUnready(ns: string, name: string): Promise<void> {
  const p = await env.client.get<Pod>(resources.pods, name, { namespace: ns });
  const conditions = (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
  await env.client.update(resources.pods, { ...p, status: { ...p.status, conditions } }, { subresource: 'status' });
}

test('Endpoints list ready pods as addresses and unready ones as notReadyAddresses, resolving named target ports', async () => {
  const ns = 'ep';
  await createNamespace(env.client, ns);
  const a = await pod(ns, 'a', { app: 'web' });
  const b = await pod(ns, 'b', { app: 'web' });
  await pod(ns, 'other', { app: 'db' });
  await service(ns, 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
  await makeReady(env.client, a, '10.9.0.1');
  await makeReady(env.client, b, '10.9.0.2');

  const ep = await eventually('two ready addresses', async () => {
    const e = await endpoints(ns, 'web');
    return e?.subsets?.[0]?.addresses?.length === 2 ? e : false;
  });
  assert.deepEqual(ep.subsets![0].addresses!.map((x) => x.ip), ['10.9.0.1', '10.9.0.2']);
  assert.deepEqual(ep.subsets![0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.equal(ep.subsets![0].addresses![0].targetRef?.name, 'a');
  assert.equal(ep.subsets![0].addresses![0].nodeName, 'node-1');

  await makeUnready(ns, 'b');
  const after1 = await eventually('b not ready', async () => {
    const e = await endpoints(ns, 'web');
    return e?.subsets?.[0]?.notReadyAddresses?.length === 1 ? e : false;
  });
  assert.deepEqual(after1.subsets![0].addresses!.map((x) => x.ip), ['10.9.0.1']);
  assert.equal(after1.subsets![0].notReadyAddresses![0].ip, '10.9.0.2');

  await env.client.delete(resources.pods, 'a', { namespace: ns, gracePeriodSeconds: 0 });
  await eventually('a removed', async () => {
    const e = await endpoints(ns, 'web');
    return e && !(e.subsets ?? []).some((s) => (s.addresses ?? []).some((x) => x.ip === '10.9.0.1'));
  });
});

test('publishNotReadyAddresses lists unready pods as ready addresses', async () => {
  const ns = 'ep-publish';
  await createNamespace(env.client, ns);
  const p = await pod(ns, 'p', { app: 'peer' });
  await makeReady(env.client, p, '10.9.1.1');
  await makeUnready(ns, 'p');
  await service(ns, 'peers', { selector: { app: 'peer' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 7000 }] });
  const ep = await eventually('address published', async () => {
    const e = await endpoints(ns, 'peers');
    return e?.subsets?.[0]?.addresses?.length === 1 ? e : false;
  });
  assert.equal(ep.subsets![0].notReadyAddresses, undefined);
  assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
  const [slice] = await eventually('a slice', async () => {
    const s = await slices(ns, 'peers');
    return s.length === 1 && s[0].endpoints?.length === 1 ? s : false;
  });
  assert.equal(slice.endpoints[0].conditions?.ready, true);
  assert.equal(slice.endpoints[0].conditions?.serving, false);
});

test('EndpointSlices carry the managed-by label and the pod conditions, split at maxEndpointsPerSlice', async () => {
  const ns = 'eps';
  await createNamespace(env.client, ns);
  const svc = await service(ns, 'api', { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  // Before any pod: one empty placeholder slice.
  const placeholder = await eventually('placeholder slice', async () => {
    const s = await slices(ns, 'api');
    return s.length === 1 ? s[0] : false;
  });
  assert.deepEqual(placeholder.endpoints ?? [], []);

  const pods: Pod[] = [];
  for (let i = 1; i <= 5; i++) pods.push(await pod(ns, `api-${i}`, { app: 'api' }));
  for (const [i, p] of pods.entries()) await makeReady(env.client, p, `10.9.2.${i + 1}`);
  const all = await eventually('5 endpoints over 2 slices', async () => {
    const s = await slices(ns, 'api');
    const n = s.reduce((k, x) => k + (x.endpoints?.length ?? 0), 0);
    return s.length === 2 && n === 5 ? s : false;
  });
  for (const s of all) {
    assert.ok((s.endpoints?.length ?? 0) <= 3);
    assert.equal(s.addressType, 'IPv4');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(s.metadata?.ownerReferences?.[0]?.uid, svc.metadata?.uid);
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    for (const e of s.endpoints ?? []) assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
  }
  const ips = all.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0])).sort();
  assert.deepEqual(ips, ['10.9.2.1', '10.9.2.2', '10.9.2.3', '10.9.2.4', '10.9.2.5']);

  // Scaling down to two pods leaves one slice.
  for (const p of pods.slice(2)) await env.client.delete(resources.pods, p.metadata!.name!, { namespace: ns, gracePeriodSeconds: 0 });
  await eventually('one slice with 2 endpoints', async () => {
    const s = await slices(ns, 'api');
    return s.length === 1 && s[0].endpoints?.length === 2;
  });
});

test('Endpoints written by hand for a selector-less Service are mirrored into EndpointSlices', async () => {
  const ns = 'ep-mirror';
  await createNamespace(env.client, ns);
  await service(ns, 'external', { ports: [{ name: 'db', port: 5432 }] });
  await env.client.create(
    resources.endpoints,
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external' },
      subsets: [{ addresses: [{ ip: '192.168.5.1' }, { ip: '192.168.5.2' }], notReadyAddresses: [{ ip: '192.168.5.3' }], ports: [{ name: 'db', port: 5432 }] }],
    },
    { namespace: ns },
  );
  const [slice] = await eventually('a mirrored slice', async () => {
    const s = await slices(ns, 'external');
    return s.length === 1 && s[0].endpoints?.length === 3 ? s : false;
  });
  assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, 'Endpoints');
  assert.deepEqual(slice.ports, [{ name: 'db', port: 5432, protocol: 'TCP' }]);
  assert.deepEqual(
    slice.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]),
    [['192.168.5.1', true], ['192.168.5.2', true], ['192.168.5.3', false]],
  );
  // Giving the Service a selector hands it to the EndpointSlice controller: the mirror goes.
  const svc = await env.client.get<Service>(resources.services, 'external', { namespace: ns });
  await env.client.update(resources.services, { ...svc, spec: { ...svc.spec, selector: { app: 'db' } } });
  await eventually('mirrored slice removed', async () => {
    const s = await slices(ns, 'external');
    return s.every((x) => x.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io');
  });
});

test('a terminating pod stays in its slice as terminating and serving but not ready, and leaves Endpoints', async () => {
  const ns = 'eps-terminating';
  await createNamespace(env.client, ns);
  await service(ns, 't', { selector: { app: 't' }, ports: [{ port: 80 }] });
  const p = await pod(ns, 't-1', { app: 't' });
  await makeReady(env.client, p, '10.9.3.1');
  await eventually('ready endpoint', async () => (await slices(ns, 't'))[0]?.endpoints?.[0]?.conditions?.ready === true);
  // Bound to a node and deleted gracefully: it lingers until its kubelet confirms (none runs here).
  await env.client.delete(resources.pods, 't-1', { namespace: ns });
  const e = await eventually('terminating endpoint', async () => {
    const ep = (await slices(ns, 't'))[0]?.endpoints?.[0];
    return ep?.conditions?.terminating ? ep : false;
  });
  assert.deepEqual(e.conditions, { ready: false, serving: true, terminating: true });
  await eventually('gone from Endpoints', async () => ((await endpoints(ns, 't'))?.subsets ?? []).length === 0);
});

test('the slice tracker reports a cache that has not yet seen our own writes and deletions', () => {
  const t = new SliceTracker();
  const cache = new Map<string, EndpointSlice>();
  const get = (n: string) => cache.get(n);
  const slice = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv }, addressType: 'IPv4', endpoints: [] }) as EndpointSlice;
  assert.equal(t.stale('ns/svc', get), false);
  t.record('ns/svc', 'svc-a', 10);
  assert.equal(t.stale('ns/svc', get), true, 'created slice not cached yet');
  cache.set('svc-a', slice('svc-a', '9'));
  assert.equal(t.stale('ns/svc', get), true, 'cached version older than our write');
  cache.set('svc-a', slice('svc-a', '10'));
  assert.equal(t.stale('ns/svc', get), false);
  t.record('ns/svc', 'svc-a', 0);
  assert.equal(t.stale('ns/svc', get), true, 'deleted slice still cached');
  cache.delete('svc-a');
  assert.equal(t.stale('ns/svc', get), false);
});
