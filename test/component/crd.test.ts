// CustomResourceDefinitions over real HTTP on a real SQLite file: a CRD makes its resource
// live without a restart, with discovery, OpenAPI, schema validation, pruning, defaults,
// status and scale subresources, printer columns, several versions, and cleanup on delete.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { CRONTAB_GROUP, cronTab, cronTabCrd, waitFor } from './crd-fixtures.ts';

let s: TestApiServer;
const base = `/apis/${CRONTAB_GROUP}/v1/namespaces/default/crontabs`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

before(async () => {
  s = await startTestApiServer();
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', cronTabCrd());
  assert.equal(r.status, 201, r.text);
  await waitFor(async () => (await s.call('GET', base)).status === 200);
});
after(async () => {
  await s.stop();
});

test('a created CRD is served within a second and reports Established and NamesAccepted', async () => {
  const crd = cronTabCrd({ plural: 'widgets', kind: 'Widget', group: 'fast.example.com' });
  const started = Date.now();
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.body.status.storedVersions, ['v1']);
  await waitFor(async () => (await s.call('GET', '/apis/fast.example.com/v1/namespaces/default/widgets')).status === 200, 1000);
  assert.ok(Date.now() - started < 1000);
  const got = await waitFor(async () => {
    const c = (await s.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.fast.example.com')).body;
    return c.status?.conditions?.length >= 2 && c;
  });
  const cond = Object.fromEntries(got.status.conditions.map((c: any) => [c.type, c]));
  assert.equal(cond.Established.status, 'True');
  assert.equal(cond.NamesAccepted.status, 'True');
  assert.equal(cond.NamesAccepted.reason, 'NoConflicts');
  assert.equal(got.status.acceptedNames.plural, 'widgets');
  assert.equal(got.status.acceptedNames.kind, 'Widget');
  assert.equal(got.status.acceptedNames.listKind, 'WidgetList');
  assert.deepEqual(got.status.acceptedNames.categories, ['all']);
});

test('an invalid CRD is refused with 422 and field paths', async () => {
  const crd = cronTabCrd({ plural: 'bads', kind: 'Bad' });
  crd.metadata.name = 'wrong.stable.example.com';
  crd.spec.versions[1].storage = true;
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.equal(r.status, 422);
  const fields = r.body.details.causes.map((c: any) => c.field);
  assert.ok(fields.includes('metadata.name'), r.text);
  assert.ok(fields.includes('spec.versions'), r.text);
});

test('discovery lists the custom resource, legacy and aggregated', async () => {
  const legacy = await s.call('GET', `/apis/${CRONTAB_GROUP}/v1`);
  assert.equal(legacy.status, 200);
  const entry = legacy.body.resources.find((x: any) => x.name === 'crontabs');
  assert.equal(entry.kind, 'CronTab');
  assert.equal(entry.namespaced, true);
  assert.equal(entry.singularName, 'crontab');
  assert.deepEqual(entry.shortNames, ['ct']);
  assert.deepEqual(entry.categories, ['all']);
  const subs = legacy.body.resources.map((x: any) => x.name);
  assert.ok(subs.includes('crontabs/status') && subs.includes('crontabs/scale'));
  const group = await s.call('GET', `/apis/${CRONTAB_GROUP}`);
  assert.equal(group.body.preferredVersion.version, 'v1');
  assert.deepEqual(group.body.versions.map((v: any) => v.version), ['v1', 'v1beta1']);
  const agg = await s.call('GET', '/apis', undefined, { Accept: AGGREGATED });
  const g = agg.body.items.find((i: any) => i.metadata.name === CRONTAB_GROUP);
  assert.deepEqual(g.versions.map((v: any) => v.version), ['v1', 'v1beta1']);
  const res = g.versions[0].resources.find((x: any) => x.resource === 'crontabs');
  assert.equal(res.scope, 'Namespaced');
  assert.deepEqual(res.subresources.map((x: any) => x.subresource), ['status', 'scale']);
  const crdEntry = (await s.call('GET', '/apis/apiextensions.k8s.io/v1')).body.resources.find((x: any) => x.name === 'customresourcedefinitions');
  assert.deepEqual(crdEntry.shortNames, ['crd', 'crds']);
});

test('OpenAPI v3 publishes the version schema with ObjectMeta and merge patch types only', async () => {
  const index = await s.call('GET', '/openapi/v3');
  const url = index.body.paths[`apis/${CRONTAB_GROUP}/v1`].serverRelativeURL;
  const doc = (await s.call('GET', url)).body;
  const schema = doc.components.schemas['com.example.stable.v1.CronTab'];
  assert.equal(schema.properties.spec.properties.cronSpec.type, 'string');
  assert.equal(schema.properties.spec.properties.replicas.maximum, 10);
  assert.deepEqual(schema.properties.spec.properties.port.anyOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: CRONTAB_GROUP, version: 'v1', kind: 'CronTab' }]);
  const patch = doc.paths[`/apis/${CRONTAB_GROUP}/v1/namespaces/{namespace}/crontabs/{name}`].patch;
  assert.deepEqual(Object.keys(patch.requestBody.content).sort(), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
});

test('schema violations are 422 Invalid with upstream field paths and messages', async () => {
  const r = await s.call('POST', base, cronTab('bad', { cronSpec: 'nope', replicas: 'three', mode: 'Medium', tags: ['a', 'b', 'c', 'd'] }));
  assert.equal(r.status, 422, r.text);
  assert.equal(r.body.reason, 'Invalid');
  assert.equal(r.body.details.kind, 'CronTab');
  assert.equal(r.body.details.group, CRONTAB_GROUP);
  const byField = Object.fromEntries(r.body.details.causes.map((c: any) => [c.field, c]));
  assert.equal(byField['spec.replicas'].type, 'FieldValueTypeInvalid');
  assert.equal(byField['spec.replicas'].message, 'Invalid value: "string": spec.replicas in body must be of type integer: "string"');
  assert.equal(byField['spec.cronSpec'].message, `Invalid value: "nope": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`);
  assert.equal(byField['spec.mode'].type, 'FieldValueNotSupported');
  assert.equal(byField['spec.tags'].type, 'FieldValueTooMany');
  assert.match(r.body.message, /^CronTab\.stable\.example\.com "bad" is invalid: \[/);

  const missing = await s.call('POST', base, { apiVersion: `${CRONTAB_GROUP}/v1`, kind: 'CronTab', metadata: { name: 'nospec' }, spec: {} });
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.body.details.causes, [{ type: 'FieldValueRequired', message: 'Required value', field: 'spec.cronSpec' }]);

  const tooBig = await s.call('POST', base, cronTab('big', { replicas: 11 }));
  assert.equal(tooBig.body.details.causes[0].message, 'Invalid value: 11: spec.replicas in body should be less than or equal to 10');

  const nulls = await s.call('POST', base, cronTab('nulls', { note: null, image: null }));
  assert.equal(nulls.status, 422);
  assert.deepEqual(nulls.body.details.causes.map((c: any) => c.field), ['spec.image']);

  const intOrString = await s.call('POST', base, cronTab('ios', { port: true }));
  assert.equal(intOrString.status, 422);
  assert.equal(intOrString.body.details.causes[0].field, 'spec.port');
  assert.equal((await s.call('POST', base, cronTab('ios-ok', { port: 'http' }))).status, 201);

  const embedded = await s.call('POST', base, cronTab('emb', { template: { spec: {} } }));
  assert.equal(embedded.status, 422);
  assert.deepEqual(embedded.body.details.causes.map((c: any) => c.field).sort(), ['spec.template.apiVersion', 'spec.template.kind']);
});

test('unknown fields are pruned with a warning, refused with fieldValidation=Strict, kept where preserved', async () => {
  const r = await s.call('POST', base, cronTab('prune', { bogus: 1, extra: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 } } }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.spec.bogus, undefined);
  assert.deepEqual(r.body.spec.extra, { anything: { goes: true } });
  assert.deepEqual(r.body.spec.template.spec, { x: 1 });
  assert.equal(r.headers.get('warning'), '299 - "unknown field \\"spec.bogus\\""');
  const top = await s.call('POST', base, { ...cronTab('prune-top'), topLevel: 'x' });
  assert.equal(top.body.topLevel, undefined);
  const meta = cronTab('prune-meta');
  meta.metadata.bogus = 'x';
  const metaR = await s.call('POST', base, meta);
  assert.equal(metaR.status, 201);
  assert.equal(metaR.body.metadata.bogus, undefined);
  assert.equal(metaR.headers.get('warning'), '299 - "unknown field \\"metadata.bogus\\""');
  const strict = await s.call('POST', `${base}?fieldValidation=Strict`, cronTab('strict', { bogus: 1 }));
  assert.equal(strict.status, 400);
  assert.equal(strict.body.message, 'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.bogus"');
  const stored = await s.call('GET', `${base}/prune`);
  assert.equal(stored.body.spec.bogus, undefined);
});

test('defaults from the schema fill absent fields on create and update', async () => {
  const r = await s.call('POST', base, cronTab('defaults'));
  assert.equal(r.body.spec.replicas, 1);
  assert.equal(r.body.spec.mode, 'Slow');
  const patched = await s.call('PATCH', `${base}/defaults`, { spec: { mode: null } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.spec.mode, 'Slow');
});

test('status subresource: create drops status, main updates keep it, /status changes only status', async () => {
  const created = await s.call('POST', base, { ...cronTab('st'), status: { phase: 'Ignored' } });
  assert.equal(created.body.status, undefined);
  assert.equal(created.body.metadata.generation, 1);
  const statusPut = await s.call('PUT', `${base}/st/status`, { ...created.body, spec: { ...created.body.spec, image: 'changed' }, status: { phase: 'Running', replicas: 2 } });
  assert.equal(statusPut.status, 200, statusPut.text);
  assert.equal(statusPut.body.status.phase, 'Running');
  assert.equal(statusPut.body.spec.image, 'my-cron-image');
  assert.equal(statusPut.body.metadata.generation, 1);
  const mainPut = await s.call('PUT', `${base}/st`, { ...statusPut.body, spec: { ...statusPut.body.spec, image: 'new' }, status: { phase: 'Hacked' } });
  assert.equal(mainPut.body.status.phase, 'Running');
  assert.equal(mainPut.body.spec.image, 'new');
  assert.equal(mainPut.body.metadata.generation, 2);
  const badStatus = await s.call('PATCH', `${base}/st/status`, { status: { replicas: 'many' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(badStatus.status, 422);
  assert.equal(badStatus.body.details.causes[0].field, 'status.replicas');
});

test('scale subresource reads and writes the replicas paths and reports the selector', async () => {
  await s.call('POST', base, cronTab('sc', { replicas: 2 }));
  await s.call('PATCH', `${base}/sc/status`, { status: { replicas: 2, labelSelector: 'app=cron' } }, { 'Content-Type': 'application/merge-patch+json' });
  const scale = await s.call('GET', `${base}/sc/scale`);
  assert.equal(scale.status, 200);
  assert.equal(scale.body.apiVersion, 'autoscaling/v1');
  assert.deepEqual(scale.body.spec, { replicas: 2 });
  assert.deepEqual(scale.body.status, { replicas: 2, selector: 'app=cron' });
  const patched = await s.call('PATCH', `${base}/sc/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.spec.replicas, 5);
  assert.equal((await s.call('GET', `${base}/sc`)).body.spec.replicas, 5);
});

test('Table output has the printer columns, priority columns for -o wide, and ages for dates', async () => {
  await s.call('POST', base, cronTab('tbl', { replicas: 3 }));
  await s.call('PATCH', `${base}/tbl/status`, { status: { phase: 'Active' } }, { 'Content-Type': 'application/merge-patch+json' });
  const t = await s.call('GET', `${base}?fieldSelector=metadata.name%3Dtbl`, undefined, { Accept: TABLE });
  assert.equal(t.body.kind, 'Table');
  assert.deepEqual(
    t.body.columnDefinitions.map((c: any) => [c.name, c.type, c.priority]),
    [['Name', 'string', 0], ['Spec', 'string', 0], ['Replicas', 'integer', 0], ['Phase', 'string', 1], ['Age', 'date', 0]],
  );
  assert.equal(t.body.rows.length, 1);
  const [name, spec, replicas, phase, age] = t.body.rows[0].cells;
  assert.deepEqual([name, spec, replicas, phase], ['tbl', '* * * * */5', 3, 'Active']);
  assert.match(age, /^\d+s$/);
  assert.equal(t.body.rows[0].object.kind, 'PartialObjectMetadata');
});

test('every served version reads the same objects with its own apiVersion', async () => {
  const r = await s.call('POST', `/apis/${CRONTAB_GROUP}/v1beta1/namespaces/default/crontabs`, cronTab('multi', {}, `${CRONTAB_GROUP}/v1beta1`));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.apiVersion, `${CRONTAB_GROUP}/v1beta1`);
  const v1 = await s.call('GET', `${base}/multi`);
  assert.equal(v1.body.apiVersion, `${CRONTAB_GROUP}/v1`);
  const beta = await s.call('GET', `/apis/${CRONTAB_GROUP}/v1beta1/namespaces/default/crontabs/multi`);
  assert.equal(beta.body.apiVersion, `${CRONTAB_GROUP}/v1beta1`);
  assert.equal(beta.body.metadata.resourceVersion, v1.body.metadata.resourceVersion);
  const raw = await s.store.get('/registry/crontabs.stable.example.com/default/multi');
  assert.equal(JSON.parse(raw!.value.toString()).apiVersion, `${CRONTAB_GROUP}/v1`);
  const list = await s.call('GET', `/apis/${CRONTAB_GROUP}/v1beta1/crontabs`);
  assert.equal(list.body.kind, 'CronTabList');
  assert.ok(list.body.items.every((i: any) => i.apiVersion === `${CRONTAB_GROUP}/v1beta1`));
});

test('merge and JSON patches work on custom resources; strategic merge is 415', async () => {
  await s.call('POST', base, cronTab('pt'));
  const merge = await s.call('PATCH', `${base}/pt`, { spec: { image: 'm' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(merge.body.spec.image, 'm');
  const json = await s.call('PATCH', `${base}/pt`, [{ op: 'replace', path: '/spec/image', value: 'j' }], { 'Content-Type': 'application/json-patch+json' });
  assert.equal(json.body.spec.image, 'j');
  const smp = await s.call('PATCH', `${base}/pt`, { spec: { image: 's' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 415);
  assert.equal(smp.body.reason, 'UnsupportedMediaType');
});

test('label selectors and paging work on custom resources', async () => {
  const ns = `/apis/${CRONTAB_GROUP}/v1/namespaces/paging/crontabs`;
  assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'paging' } })).status, 201);
  for (let i = 0; i < 5; i++) {
    const o = cronTab(`p${i}`);
    o.metadata.labels = { parity: i % 2 ? 'odd' : 'even' };
    assert.equal((await s.call('POST', ns, o)).status, 201);
  }
  const even = await s.call('GET', `${ns}?labelSelector=parity%3Deven`);
  assert.deepEqual(even.body.items.map((i: any) => i.metadata.name), ['p0', 'p2', 'p4']);
  const page1 = await s.call('GET', `${ns}?limit=2`);
  assert.equal(page1.body.items.length, 2);
  const page2 = await s.call('GET', `${ns}?limit=10&continue=${page1.body.metadata.continue}`);
  assert.deepEqual(page2.body.items.map((i: any) => i.metadata.name), ['p2', 'p3', 'p4']);
  await s.call('PATCH', `${ns}/p1`, { spec: { mode: 'Fast' } }, { 'Content-Type': 'application/merge-patch+json' });
  const fast = await s.call('GET', `${ns}?fieldSelector=spec.mode%3DFast`);
  assert.deepEqual(fast.body.items.map((i: any) => i.metadata.name), ['p1']);
  const unsupported = await s.call('GET', `${ns}?fieldSelector=spec.image%3Dx`);
  assert.equal(unsupported.status, 400);
  const missingNs = await s.call('POST', `/apis/${CRONTAB_GROUP}/v1/namespaces/nowhere/crontabs`, cronTab('x'));
  assert.equal(missingNs.status, 404);
});

test('a watch on a custom resource sees ADDED, MODIFIED and DELETED', async () => {
  const start = (await s.call('GET', base)).body.metadata.resourceVersion;
  const ac = new AbortController();
  const res = await fetch(`${s.url}${base}?watch=true&resourceVersion=${start}`, { signal: ac.signal });
  const events: any[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as any) {
      buf += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (events.length >= 3) break;
    }
  })().catch(() => {});
  await s.call('POST', base, cronTab('w'));
  await s.call('PATCH', `${base}/w`, { spec: { image: 'w2' } }, { 'Content-Type': 'application/merge-patch+json' });
  await s.call('DELETE', `${base}/w`);
  await waitFor(async () => events.length >= 3, 3000);
  ac.abort();
  await reading;
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'w'], ['MODIFIED', 'w'], ['DELETED', 'w']]);
  assert.equal(events[1].object.spec.image, 'w2');
});

test('a cluster-scoped CRD serves objects without a namespace', async () => {
  const crd = cronTabCrd({ scope: 'Cluster', plural: 'globals', kind: 'Global', group: 'cluster.example.com' });
  await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const url = '/apis/cluster.example.com/v1/globals';
  await waitFor(async () => (await s.call('GET', url)).status === 200);
  const r = await s.call('POST', url, { ...cronTab('g1'), apiVersion: 'cluster.example.com/v1', kind: 'Global' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.metadata.namespace, undefined);
  assert.equal((await s.call('GET', '/apis/cluster.example.com/v1/namespaces/default/globals')).status, 404);
});

test('a CRD whose names are taken in its group is not accepted', async () => {
  const dup = cronTabCrd({ plural: 'crontabs2', kind: 'CronTab' });
  dup.spec.names.singular = 'crontab2';
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', dup);
  assert.equal(r.status, 201, r.text);
  const got = await waitFor(async () => {
    const c = (await s.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs2.${CRONTAB_GROUP}`)).body;
    return c.status?.conditions?.length >= 2 && c;
  });
  const cond = Object.fromEntries(got.status.conditions.map((c: any) => [c.type, c]));
  assert.equal(cond.NamesAccepted.status, 'False');
  assert.equal(cond.NamesAccepted.reason, 'KindConflict');
  assert.equal(cond.Established.status, 'False');
  assert.equal((await s.call('GET', `/apis/${CRONTAB_GROUP}/v1/namespaces/default/crontabs2`)).status, 404);
});

test('deleting a CRD deletes its objects, then the CRD and its endpoints', async () => {
  const crd = cronTabCrd({ plural: 'gones', kind: 'Gone', group: 'gone.example.com' });
  await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const url = '/apis/gone.example.com/v1/namespaces/default/gones';
  await waitFor(async () => (await s.call('GET', url)).status === 200);
  for (const n of ['a', 'b']) assert.equal((await s.call('POST', url, { ...cronTab(n), apiVersion: 'gone.example.com/v1', kind: 'Gone' })).status, 201);
  const del = await s.call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gones.gone.example.com');
  assert.equal(del.status, 200, del.text);
  assert.deepEqual(del.body.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  assert.ok(del.body.metadata.deletionTimestamp);
  await waitFor(async () => (await s.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gones.gone.example.com')).status === 404, 3000);
  await waitFor(async () => (await s.call('GET', url)).status === 404);
  assert.equal((await s.store.list('/registry/gones.gone.example.com/')).kvs.length, 0);
  assert.equal((await s.call('GET', '/apis/gone.example.com/v1')).status, 404);
  const groups = (await s.call('GET', '/apis')).body.groups.map((g: any) => g.name);
  assert.ok(!groups.includes('gone.example.com'));
});

test('a CRD update takes effect live: stored objects read with new defaults, dropped fields pruned without a strict error', async () => {
  const crdUrl = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/evolves.evolve.example.com';
  const crd = cronTabCrd({ plural: 'evolves', kind: 'Evolve', group: 'evolve.example.com' });
  await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const url = '/apis/evolve.example.com/v1/namespaces/default/evolves';
  await waitFor(async () => (await s.call('GET', url)).status === 200);
  const created = await s.call('POST', url, { ...cronTab('e', { image: 'old' }), apiVersion: 'evolve.example.com/v1', kind: 'Evolve' });
  assert.equal(created.status, 201, created.text);

  const current = (await s.call('GET', crdUrl)).body;
  for (const v of current.spec.versions) {
    delete v.schema.openAPIV3Schema.properties.spec.properties.image;
    v.schema.openAPIV3Schema.properties.spec.properties.replicas.maximum = 3;
    v.schema.openAPIV3Schema.properties.spec.properties.color = { type: 'string', default: 'blue' };
  }
  assert.equal((await s.call('PUT', crdUrl, current)).status, 200);
  await waitFor(async () => (await s.call('POST', url, { ...cronTab('e2', { replicas: 5 }), apiVersion: 'evolve.example.com/v1', kind: 'Evolve' })).status === 422);

  // Objects stored before read as the new schema says: defaulted and pruned.
  const read = (await s.call('GET', `${url}/e`)).body;
  assert.equal(read.spec.color, 'blue');
  assert.equal(read.spec.image, undefined);
  const listed = (await s.call('GET', url)).body.items.find((i: any) => i.metadata.name === 'e');
  assert.equal(listed.spec.color, 'blue');
  const patched = await s.call('PATCH', `${url}/e?fieldValidation=Strict`, { spec: { replicas: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.spec.image, undefined);
  assert.equal(patched.headers.get('warning'), null);
  const again = await s.call('PATCH', `${url}/e?fieldValidation=Strict`, { spec: { image: 'new' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(again.status, 400);
  assert.match(again.body.message, /strict decoding error: unknown field "spec.image"/);
});

test('CRDs in protected groups need approval and never replace a built-in resource', async () => {
  const crd = cronTabCrd({ plural: 'storageclasses', kind: 'StorageClass', group: 'storage.k8s.io' });
  const refused = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.details.causes[0].field, 'metadata.annotations[api-approved.kubernetes.io]');
  crd.metadata.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' };
  assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  const got = await waitFor(async () => {
    const c = (await s.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/storageclasses.storage.k8s.io')).body;
    return c.status?.conditions?.length >= 2 && c;
  });
  const cond = Object.fromEntries(got.status.conditions.map((c: any) => [c.type, c]));
  assert.equal(cond.NamesAccepted.reason, 'PluralConflict');
  const builtin = await s.call('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x' });
  assert.equal(builtin.status, 201, builtin.text);
});

test('requests to a deprecated version carry a deprecation warning', async () => {
  const crd = cronTabCrd({ plural: 'olds', kind: 'Old', group: 'old.example.com' });
  crd.spec.versions[1].deprecated = true;
  await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const beta = '/apis/old.example.com/v1beta1/namespaces/default/olds';
  await waitFor(async () => (await s.call('GET', beta)).status === 200);
  const r = await s.call('GET', beta);
  assert.equal(r.headers.get('warning'), '299 - "old.example.com/v1beta1 Old is deprecated; use old.example.com/v1 Old"');
  const created = await s.call('POST', beta, { ...cronTab('o', { bogus: 1 }), apiVersion: 'old.example.com/v1beta1', kind: 'Old' });
  assert.equal(created.headers.get('warning'), '299 - "old.example.com/v1beta1 Old is deprecated; use old.example.com/v1 Old", 299 - "unknown field \\"spec.bogus\\""');
  assert.equal((await s.call('GET', '/apis/old.example.com/v1/namespaces/default/olds')).headers.get('warning'), null);
});

test('x-kubernetes-validations rules are enforced on create and transition rules on update', async () => {
  const crd = cronTabCrd({ plural: 'ruled', kind: 'Ruled', group: 'rules.example.com' });
  for (const v of crd.spec.versions) {
    const spec = v.schema.openAPIV3Schema.properties.spec;
    spec['x-kubernetes-validations'] = [
      { rule: "self.replicas <= 5 || self.mode == 'Fast'", message: 'more than 5 replicas need Fast mode' },
      { rule: 'self.image == oldSelf.image', message: 'image is immutable', fieldPath: '.image' },
    ];
  }
  await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const url = '/apis/rules.example.com/v1/namespaces/default/ruled';
  await waitFor(async () => (await s.call('GET', url)).status === 200);
  const obj = (name: string, spec: any) => ({ ...cronTab(name, spec), apiVersion: 'rules.example.com/v1', kind: 'Ruled' });
  const bad = await s.call('POST', url, obj('r1', { replicas: 7 }));
  assert.equal(bad.status, 422, bad.text);
  assert.deepEqual(bad.body.details.causes, [{ type: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": more than 5 replicas need Fast mode' }]);
  assert.equal((await s.call('POST', url, obj('r1', { replicas: 7, mode: 'Fast' }))).status, 201);
  const immutable = await s.call('PATCH', `${url}/r1`, { spec: { image: 'other' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(immutable.status, 422);
  assert.equal(immutable.body.details.causes[0].field, 'spec.image');
  assert.equal(immutable.body.details.causes[0].message, 'Invalid value: "object": image is immutable');
  assert.equal((await s.call('PATCH', `${url}/r1`, { spec: { replicas: 8 } }, { 'Content-Type': 'application/merge-patch+json' })).status, 200);
});
