// The real kubectl doing server-side apply against `k8ts server`: create, change, a conflict
// with another manager (and its error text), --force-conflicts, and migrating an object
// managed by client-side apply to server-side apply.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(async () => {
  await c?.stop();
});

const deployment = (name: string, replicas: number, extra: any = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    ...extra,
  },
});

async function getJson(kind: string, name: string): Promise<any> {
  return JSON.parse(await mustKubectl(c, ['get', kind, name, '-o', 'json', '--show-managed-fields']));
}

function managers(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}`).sort();
}

test('kubectl apply --server-side creates, changes and reports serverside-applied', async () => {
  const out = await mustKubectl(c, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(deployment('ssa', 2)) });
  assert.match(out, /deployment.apps\/ssa serverside-applied/);
  let live = await getJson('deployment', 'ssa');
  assert.deepEqual(managers(live), ['kubectl/Apply']);
  const entry = live.metadata.managedFields[0];
  assert.equal(entry.fieldsV1['f:spec']['f:replicas'] !== undefined, true);
  assert.ok(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']);

  await mustKubectl(c, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(deployment('ssa', 3, { minReadySeconds: 4 })) });
  live = await getJson('deployment', 'ssa');
  assert.equal(live.spec.replicas, 3);
  assert.equal(live.spec.minReadySeconds, 4);
  // Dropping a field it alone applied removes it.
  await mustKubectl(c, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(deployment('ssa', 3)) });
  live = await getJson('deployment', 'ssa');
  assert.equal(live.spec.minReadySeconds, undefined);
});

test('a conflicting apply from another manager fails with upstream text; --force-conflicts takes the field', async () => {
  const cfg = JSON.stringify(deployment('ssa', 5));
  const r = await c.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: cfg });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
  assert.equal((await getJson('deployment', 'ssa')).spec.replicas, 3);

  const forced = await mustKubectl(c, ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], { input: cfg });
  assert.match(forced, /serverside-applied/);
  const live = await getJson('deployment', 'ssa');
  assert.equal(live.spec.replicas, 5);
  const other = live.metadata.managedFields.find((e: any) => e.manager === 'other');
  const mine = live.metadata.managedFields.find((e: any) => e.manager === 'kubectl');
  assert.ok(other.fieldsV1['f:spec']['f:replicas']);
  assert.equal(mine.fieldsV1['f:spec']['f:replicas'], undefined, 'kubectl no longer owns .spec.replicas');
});

test('a conflict with a kubectl create names the manager and apiVersion', async () => {
  await mustKubectl(c, ['create', '-f', '-'], { input: JSON.stringify(deployment('created', 1)) });
  const r = await c.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(deployment('created', 2)) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-create" using apps\/v1: \.spec\.replicas/);
});

test('an object from client-side apply moves to server-side apply without conflicts', async () => {
  const v1 = deployment('migrate', 2, { minReadySeconds: 3 });
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(v1) }), /deployment.apps\/migrate created/);
  let live = await getJson('deployment', 'migrate');
  assert.deepEqual(managers(live), ['kubectl-client-side-apply/Update']);
  assert.ok(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);

  // A changed replicas and a dropped field: no conflict with kubectl-client-side-apply.
  const v2 = deployment('migrate', 4);
  assert.match(await mustKubectl(c, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(v2) }), /serverside-applied/);
  live = await getJson('deployment', 'migrate');
  assert.equal(live.spec.replicas, 4);
  assert.equal(live.spec.minReadySeconds, undefined, 'a field only in the client-side config is removed');
  assert.ok(managers(live).includes('kubectl/Apply'));
  const csa = live.metadata.managedFields.find((e: any) => e.manager === 'kubectl-client-side-apply');
  assert.equal(csa?.fieldsV1?.['f:spec']?.['f:replicas'], undefined, 'client-side apply no longer owns .spec.replicas');
  const lastApplied = JSON.parse(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  assert.equal(lastApplied.spec.replicas, 4, 'the last-applied annotation follows the server-side apply');

  // And back to client-side apply, which diffs against that annotation.
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(deployment('migrate', 6)) }), /deployment.apps\/migrate configured/);
  assert.equal((await getJson('deployment', 'migrate')).spec.replicas, 6);
});

test('kubectl diff --server-side and apply --dry-run=server leave the object alone', async () => {
  const before = await getJson('deployment', 'ssa');
  const diff = await c.kubectl(['diff', '--server-side', '--force-conflicts', '-f', '-'], { input: JSON.stringify(deployment('ssa', 7)) });
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /-  replicas: 5\n\+  replicas: 7/);
  const dry = await mustKubectl(c, ['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], { input: JSON.stringify(deployment('ssa', 7)) });
  assert.match(dry, /serverside-applied \(server dry run\)/);
  const after = await getJson('deployment', 'ssa');
  assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
});

for (const version of ['1.29', '1.31', '1.33']) {
  test(`kubectl ${version} applies server-side and reports conflicts`, async () => {
    const name = `v${version.replace('.', '-')}`;
    const out = await mustKubectl(c, ['apply', '--server-side', '-f', '-'], { version, input: JSON.stringify(deployment(name, 1)) });
    assert.match(out, new RegExp(`deployment.apps/${name} serverside-applied`));
    const r = await c.kubectl(['apply', '--server-side', '--field-manager=rival', '-f', '-'], { version, input: JSON.stringify(deployment(name, 2)) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
  });
}
