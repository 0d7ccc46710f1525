// The real kubectl reading from `k8ts server`: version, discovery, get in every output
// format, describe, explain, raw paths, componentstatuses, and the error texts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
const POD = (name: string, labels: Record<string, string>, node?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'app', image: 'nginx:1.25' }] },
});

before(async () => {
  c = await startTestCluster();
  const items = [POD('alpha', { app: 'web', tier: 'front' }, 'node-b'), POD('bravo', { app: 'web', tier: 'back' }, 'node-a'), POD('charlie', { app: 'db' })];
  // A multi-document stream (a `kind: List` would make kubectl validate against OpenAPI v2 protobuf).
  await mustKubectl(c, ['apply', '-f', '-'], { input: items.map((i) => JSON.stringify(i)).join('\n') });
});
after(async () => {
  await c?.stop();
});

test('kubectl version reports the server as 1.32', async () => {
  const out = JSON.parse(await mustKubectl(c, ['version', '-o', 'json']));
  assert.equal(out.serverVersion.major, '1');
  assert.equal(out.serverVersion.minor, '32');
});

test('kubectl api-resources lists built-in kinds with short names', async () => {
  const out = await mustKubectl(c, ['api-resources']);
  assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
});

test('kubectl get prints a table; -o wide adds columns', async () => {
  const out = await mustKubectl(c, ['get', 'pods']);
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  assert.match(lines[1], /^alpha\s+0\/1\s+Pending\s+0\s+\S+$/);
  assert.equal(lines.length, 4);
  const wide = await mustKubectl(c, ['get', 'pods', '-o', 'wide']);
  assert.match(wide.split('\n')[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
  assert.match(wide, /^bravo\s+.*node-a/m);
});

test('kubectl get -A adds NAMESPACE; -l and --field-selector filter; --show-labels prints labels', async () => {
  const all = await mustKubectl(c, ['get', 'pods', '-A']);
  assert.match(all.split('\n')[0], /^NAMESPACE\s+NAME\s+READY/);
  assert.match(all, /^default\s+alpha/m);
  const byLabel = await mustKubectl(c, ['get', 'pods', '-l', 'app=web,tier in (back)', '-o', 'name']);
  assert.equal(byLabel.trim(), 'pod/bravo');
  const byField = await mustKubectl(c, ['get', 'pods', '--field-selector', 'spec.nodeName=node-b', '-o', 'name']);
  assert.equal(byField.trim(), 'pod/alpha');
  const labels = await mustKubectl(c, ['get', 'pod', 'alpha', '--show-labels']);
  assert.match(labels, /app=web,tier=front/);
});

test('kubectl get --sort-by sorts by a field of the full object', async () => {
  const out = await mustKubectl(c, ['get', 'pods', '--sort-by=.spec.nodeName', '-o', 'name']);
  assert.deepEqual(out.trim().split('\n'), ['pod/charlie', 'pod/bravo', 'pod/alpha']);
});

test('kubectl get -o yaml, json, name and jsonpath', async () => {
  const yaml = await mustKubectl(c, ['get', 'pod', 'alpha', '-o', 'yaml']);
  assert.match(yaml, /^kind: Pod$/m);
  assert.match(yaml, /restartPolicy: Always/);
  const json = JSON.parse(await mustKubectl(c, ['get', 'pods', '-o', 'json']));
  assert.equal(json.kind, 'List');
  assert.equal(json.items.length, 3);
  const jp = await mustKubectl(c, ['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.equal(jp, 'alpha bravo charlie');
});

test('kubectl describe shows the object and its events', async () => {
  const pod = JSON.parse(await mustKubectl(c, ['get', 'pod', 'alpha', '-o', 'json']));
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'alpha.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'alpha', uid: pod.metadata.uid, apiVersion: 'v1' },
    reason: 'Tested',
    message: 'hello from the test',
    type: 'Normal',
    source: { component: 'e2e' },
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
    lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
    count: 1,
  };
  await mustKubectl(c, ['create', '-f', '-'], { input: JSON.stringify(event) });
  const out = await mustKubectl(c, ['describe', 'pod', 'alpha']);
  assert.match(out, /^Name:\s+alpha$/m);
  assert.match(out, /^Node:\s+node-b/m);
  assert.match(out, /Image:\s+nginx:1\.25/);
  assert.match(out, /Normal\s+Tested\s+\S+\s+e2e\s+hello from the test/);
});

test('kubectl explain walks the OpenAPI v3 schema', async () => {
  const out = await mustKubectl(c, ['explain', 'deployment.spec.template.spec.containers.ports']);
  assert.match(out, /KIND:\s+Deployment/);
  assert.match(out, /containerPort\s+<integer> -required-/);
});

test('kubectl get --raw serves health and version paths', async () => {
  assert.equal(await mustKubectl(c, ['get', '--raw', '/healthz']), 'ok');
  const readyz = await mustKubectl(c, ['get', '--raw', '/readyz?verbose']);
  assert.match(readyz, /readyz check passed/);
});

test('kubectl get componentstatuses reports the store healthy', async () => {
  const out = await c.kubectl(['get', 'componentstatuses']);
  assert.match(out.stdout, /^etcd-0\s+Healthy\s+ok/m);
  assert.match(out.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR/m);
});

test('error texts: missing object, invalid object, conflict', async () => {
  const missing = await c.kubectl(['get', 'pod', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  const invalidPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const inv = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(invalidPod) });
  assert.notEqual(inv.code, 0);
  assert.match(inv.stderr, /The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const cm = JSON.parse(await mustKubectl(c, ['create', 'configmap', 'conf', '--from-literal=a=1', '-o', 'json']));
  await mustKubectl(c, ['label', 'configmap', 'conf', 'x=1']);
  const stale = { ...cm, data: { a: '2' } };
  const conflict = await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "conf": the object has been modified; please apply your changes to the latest version and try again/);
});

test('kubectl auth can-i and auth whoami', async () => {
  assert.equal((await mustKubectl(c, ['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
  const who = await mustKubectl(c, ['auth', 'whoami']);
  assert.match(who, /Username\s+kubernetes-admin/);
  assert.match(who, /system:masters/);
});
