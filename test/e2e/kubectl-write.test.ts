// The real kubectl changing things on `k8ts server`: create -f, client-side apply (create,
// change, remove a field and a container, unchanged), edit, patch in all three types, label,
// annotate, scale, cordon, delete with each cascade mode, wait, get -w.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestCluster, mustKubectl, kubectlBinary, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(async () => {
  await c?.stop();
});

const deployment = (containers: any[], extra: any = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', labels: { app: 'app' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'app' } },
    template: { metadata: { labels: { app: 'app' } }, spec: { containers } },
    ...extra,
  },
});

test('kubectl apply creates, changes, removes a field and a container, and reports unchanged', async () => {
  const v1 = deployment(
    [
      { name: 'web', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox', command: ['sleep', '3600'] },
    ],
    { minReadySeconds: 5 },
  );
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(v1) }), /deployment.apps\/app created/);
  const v2 = deployment([{ name: 'web', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }] }]);
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(v2) }), /deployment.apps\/app configured/);
  const live = JSON.parse(await mustKubectl(c, ['get', 'deployment', 'app', '-o', 'json']));
  assert.equal(live.spec.minReadySeconds, undefined, 'a field removed from the config is removed');
  assert.deepEqual(live.spec.template.spec.containers.map((x: any) => x.name), ['web'], 'a container removed from the config is removed');
  assert.equal(live.spec.template.spec.containers[0].image, 'nginx:1.26');
  assert.deepEqual(live.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  assert.equal(live.metadata.generation, 2);
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(v2) }), /deployment.apps\/app unchanged/);
});

test('kubectl edit saves what the editor wrote', async () => {
  await mustKubectl(c, ['create', 'configmap', 'editme', '--from-literal=k=old']);
  const editor = join(c.dataDir, 'editor.sh');
  await writeFile(editor, '#!/bin/sh\nsed -i "s/k: old/k: new/" "$1"\n');
  await chmod(editor, 0o755);
  await mustKubectl(c, ['edit', 'configmap', 'editme'], { env: { KUBE_EDITOR: editor } });
  assert.equal(await mustKubectl(c, ['get', 'configmap', 'editme', '-o', 'jsonpath={.data.k}']), 'new');
});

test('kubectl patch with strategic, merge and json patches', async () => {
  await mustKubectl(c, ['patch', 'deployment', 'app', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}']);
  let d = JSON.parse(await mustKubectl(c, ['get', 'deployment', 'app', '-o', 'json']));
  assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
  assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }], 'strategic merge keeps the rest of the container');
  await mustKubectl(c, ['patch', 'deployment', 'app', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
  await mustKubectl(c, ['patch', 'deployment', 'app', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
  d = JSON.parse(await mustKubectl(c, ['get', 'deployment', 'app', '-o', 'json']));
  assert.equal(d.metadata.labels.patched, 'merge');
  assert.equal(d.spec.replicas, 4);
});

test('kubectl label, annotate and scale', async () => {
  await mustKubectl(c, ['label', 'deployment', 'app', 'team=blue']);
  await mustKubectl(c, ['annotate', 'deployment', 'app', 'note=hello']);
  assert.match(await mustKubectl(c, ['scale', 'deployment', 'app', '--replicas=7']), /deployment.apps\/app scaled/);
  const d = JSON.parse(await mustKubectl(c, ['get', 'deployment', 'app', '-o', 'json']));
  assert.equal(d.metadata.labels.team, 'blue');
  assert.equal(d.metadata.annotations.note, 'hello');
  assert.equal(d.spec.replicas, 7);
  const stale = await c.kubectl(['scale', 'deployment', 'app', '--replicas=3', '--current-replicas=2']);
  assert.notEqual(stale.code, 0);
  assert.match(stale.stderr, /Expected replicas to be 2, was 7/);
});

test('kubectl cordon marks a node unschedulable', async () => {
  await mustKubectl(c, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }) });
  assert.match(await mustKubectl(c, ['cordon', 'n1']), /node\/n1 cordoned/);
  assert.equal(await mustKubectl(c, ['get', 'node', 'n1', '-o', 'jsonpath={.spec.unschedulable}']), 'true');
});

test('kubectl delete with each cascade mode', async () => {
  for (const [mode, finalizer] of [
    ['orphan', 'orphan'],
    ['foreground', 'foregroundDeletion'],
  ] as const) {
    const name = `del-${mode}`;
    await mustKubectl(c, ['create', 'configmap', name]);
    // --wait=false: the finalizer stays until a garbage collector runs.
    await mustKubectl(c, ['delete', 'configmap', name, `--cascade=${mode}`, '--wait=false']);
    const obj = JSON.parse(await mustKubectl(c, ['get', 'configmap', name, '-o', 'json']));
    assert.ok(obj.metadata.deletionTimestamp, `${mode}: marked for deletion`);
    assert.deepEqual(obj.metadata.finalizers, [finalizer]);
  }
  await mustKubectl(c, ['create', 'configmap', 'del-background']);
  assert.match(await mustKubectl(c, ['delete', 'configmap', 'del-background', '--cascade=background']), /configmap "del-background" deleted/);
  assert.notEqual((await c.kubectl(['get', 'configmap', 'del-background'])).code, 0);
});

test('kubectl wait --for=condition and --for=delete', async () => {
  await mustKubectl(c, ['create', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'waiter' } }),
  });
  const waiting = c.kubectl(['wait', '--for=condition=Ready', 'node/waiter', '--timeout=20s']);
  await new Promise((r) => setTimeout(r, 1000));
  const node = JSON.parse(await mustKubectl(c, ['get', 'node', 'waiter', '-o', 'json']));
  node.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: node.metadata.creationTimestamp }] };
  await mustKubectl(c, ['replace', '--subresource=status', '-f', '-'], { input: JSON.stringify(node) });
  const w = await waiting;
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /node\/waiter condition met/);

  await mustKubectl(c, ['create', 'configmap', 'doomed']);
  const gone = c.kubectl(['wait', '--for=delete', 'configmap/doomed', '--timeout=20s']);
  await new Promise((r) => setTimeout(r, 1000));
  await mustKubectl(c, ['delete', 'configmap', 'doomed']);
  const g = await gone;
  assert.equal(g.code, 0, g.stderr);
});

test('kubectl get -w shows a change live', async () => {
  await mustKubectl(c, ['create', 'configmap', 'watched', '--from-literal=v=1']);
  const child = spawn(kubectlBinary(), ['get', 'configmaps', '-w', '--output-watch-events'], {
    env: { PATH: process.env.PATH ?? '', HOME: c.dataDir, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dataDir, 'kube-cache') },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const seen = (re: RegExp, ms: number) =>
    new Promise<boolean>((resolve) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        if (re.test(out) || Date.now() - t0 > ms) {
          clearInterval(tick);
          resolve(re.test(out));
        }
      }, 100);
    });
  assert.ok(await seen(/ADDED\s+watched/, 15000), out);
  await mustKubectl(c, ['create', 'configmap', 'watched-later']);
  assert.ok(await seen(/ADDED\s+watched-later/, 15000), out);
  await mustKubectl(c, ['delete', 'configmap', 'watched-later']);
  assert.ok(await seen(/DELETED\s+watched-later/, 15000), out);
  child.kill();
});
