// The real kubectl with CustomResourceDefinitions on `k8ts server`: apply a CRD with two
// versions, a status and a scale subresource and printer columns; then create, get (table
// columns), explain, patch, scale, watch and delete custom resources; an informer from
// src/client follows them; deleting the CRD removes them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestCluster, mustKubectl, kubectlBinary, type TestCluster } from '../helpers/cluster.ts';
import { loadKubeconfig } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { SharedInformerFactory } from '../../src/client/cache/informer-factory.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(async () => {
  await c?.stop();
});

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: CronTab runs an image on a schedule.
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                description: The schedule in cron format.
              image:
                type: string
              replicas:
                type: integer
                minimum: 0
                maximum: 10
                default: 1
          status:
            type: object
            properties:
              replicas: {type: integer}
              phase: {type: string}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - {name: Spec, type: string, jsonPath: .spec.cronSpec}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Phase, type: string, jsonPath: .status.phase, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
    subresources:
      status: {}
`;

const cron = (name: string, spec: string) => `
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}
`;

async function kubectlFails(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input === undefined ? {} : { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
}

test('kubectl drives a CRD and its custom resources end to end', async () => {
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: CRD }), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
  assert.match(await mustKubectl(c, ['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=10s']), /condition met/);
  assert.match(await mustKubectl(c, ['get', 'crd']), /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/);

  // create (client-side apply), get with the printer columns, -o wide adds the priority column
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: cron('my-cron', '  cronSpec: "* * * * */5"\n  image: my-cron-image') }), /crontab.stable.example.com\/my-cron created/);
  const table = await mustKubectl(c, ['get', 'crontabs']);
  assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE\n/);
  assert.match(table, /my-cron\s+\* \* \* \* \*\/5\s+1\s+\d+s/);
  assert.match(await mustKubectl(c, ['get', 'ct', '-o', 'wide']), /^NAME\s+SPEC\s+REPLICAS\s+PHASE\s+AGE\n/);
  assert.equal(await mustKubectl(c, ['get', 'crontabs.v1beta1.stable.example.com', 'my-cron', '-o', 'jsonpath={.apiVersion}']), 'stable.example.com/v1beta1');

  // explain reads the published schema
  const explain = await mustKubectl(c, ['explain', 'crontab.spec']);
  assert.match(explain, /KIND:\s+CronTab/);
  assert.match(explain, /cronSpec\s+<string> -required-/);
  assert.match(explain, /The schedule in cron format/);

  // validation by the server: schema errors and unknown fields (kubectl asks for Strict)
  assert.match(await kubectlFails(['apply', '-f', '-'], cron('bad', '  cronSpec: x\n  replicas: 100')), /spec.replicas: Invalid value: 100: spec.replicas in body should be less than or equal to 10/);
  assert.match(await kubectlFails(['apply', '-f', '-'], cron('bogus', '  cronSpec: x\n  bogus: 1')), /unknown field "spec.bogus"/);

  // patch: merge works; the default strategic merge is refused as upstream
  assert.match(await mustKubectl(c, ['patch', 'crontab', 'my-cron', '--type=merge', '-p', '{"spec":{"image":"patched"}}']), /crontab.stable.example.com\/my-cron patched/);
  assert.match(await kubectlFails(['patch', 'crontab', 'my-cron', '-p', '{"spec":{"image":"smp"}}']), /application\/strategic-merge-patch\+json|unknown format/);
  assert.match(await mustKubectl(c, ['patch', 'crontab', 'my-cron', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Active","replicas":1}}']), /patched/);
  assert.match(await mustKubectl(c, ['get', 'ct', 'my-cron', '-o', 'wide']), /my-cron\s+\* \* \* \* \*\/5\s+1\s+Active\s+/);

  // a second apply of a changed manifest goes through a merge patch
  assert.match(await mustKubectl(c, ['apply', '-f', '-'], { input: cron('my-cron', '  cronSpec: "*/2 * * * *"\n  image: my-cron-image') }), /crontab.stable.example.com\/my-cron configured/);

  // scale through the scale subresource
  assert.match(await mustKubectl(c, ['scale', 'crontab', 'my-cron', '--replicas=3']), /crontab.stable.example.com\/my-cron scaled/);
  assert.equal(await mustKubectl(c, ['get', 'crontab', 'my-cron', '-o', 'jsonpath={.spec.replicas}']), '3');

  // label, annotate and server-side apply work on custom resources
  assert.match(await mustKubectl(c, ['label', 'crontab', 'my-cron', 'tier=batch']), /crontab.stable.example.com\/my-cron labeled/);
  assert.match(await mustKubectl(c, ['annotate', 'crontab', 'my-cron', 'note=hi']), /crontab.stable.example.com\/my-cron annotated/);
  assert.match(await mustKubectl(c, ['get', 'crontabs', '-l', 'tier=batch', '-o', 'name']), /^crontab.stable.example.com\/my-cron$/m);
  assert.match(await mustKubectl(c, ['apply', '--server-side', '--field-manager=ssa-test', '-f', '-'], { input: cron('ssa-cron', '  cronSpec: "* * * * *"') }), /crontab.stable.example.com\/ssa-cron serverside-applied/);
  assert.match(await mustKubectl(c, ['delete', 'crontab', 'ssa-cron']), /deleted/);

  // api-resources and describe see it like any other resource
  assert.match(await mustKubectl(c, ['api-resources', '--api-group=stable.example.com']), /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
  const described = await mustKubectl(c, ['describe', 'crontab', 'my-cron']);
  assert.match(described, /^Name:\s+my-cron$/m);
  assert.match(described, /^API Version:\s+stable\.example\.com\/v1$/m);
  assert.match(described, /Replicas:\s+3/);

  // `kubectl get all` includes the category
  assert.match(await mustKubectl(c, ['get', 'all']), /crontab\.stable\.example\.com\/my-cron/);
});

test('kubectl get -w follows custom resources live', async () => {
  const child = spawn(kubectlBinary(), ['get', 'crontabs', '-w', '--output-watch-events'], {
    env: { PATH: process.env.PATH ?? '', HOME: c.dataDir, KUBECONFIG: c.kubeconfig, KUBECACHEDIR: join(c.dataDir, 'kube-cache') },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
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
  try {
    assert.ok(await seen(/ADDED\s+my-cron/, 15000), out);
    await mustKubectl(c, ['apply', '-f', '-'], { input: cron('watched', '  cronSpec: "* * * * *"') });
    assert.ok(await seen(/ADDED\s+watched/, 15000), out);
    await mustKubectl(c, ['delete', 'crontab', 'watched']);
    assert.ok(await seen(/DELETED\s+watched/, 15000), out);
  } finally {
    child.kill();
  }
});

test('an informer from src/client lists and watches a custom resource', async () => {
  const client = new RestClient(loadKubeconfig(c.kubeconfig), { component: 'crd-test' });
  const factory = new SharedInformerFactory(client);
  const informer = factory.informerFor<any>({ group: 'stable.example.com', version: 'v1', resource: 'crontabs' }, { namespace: 'default' });
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o: any) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (_old: any, o: any) => seen.push(`update ${o.metadata.name} ${o.spec.image}`),
    onDelete: (o: any) => seen.push(`delete ${(o.metadata ?? o.obj?.metadata)?.name}`),
  });
  factory.start();
  try {
    assert.ok(await factory.waitForCacheSync());
    assert.ok(seen.includes('add my-cron'), seen.join(','));
    await mustKubectl(c, ['apply', '-f', '-'], { input: cron('informed', '  cronSpec: "* * * * *"\n  image: a') });
    await mustKubectl(c, ['patch', 'crontab', 'informed', '--type=merge', '-p', '{"spec":{"image":"b"}}']);
    await mustKubectl(c, ['delete', 'crontab', 'informed']);
    const deadline = Date.now() + 10000;
    while (!seen.includes('delete informed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(seen.includes('add informed'), seen.join(','));
    assert.ok(seen.includes('update informed b'), seen.join(','));
    assert.ok(seen.includes('delete informed'), seen.join(','));
    assert.equal(informer.lister().list().length, 1);
  } finally {
    await factory.stop();
    client.close();
  }
});

test('kubectl delete of the CRD removes its custom resources and the resource type', async () => {
  assert.match(await mustKubectl(c, ['delete', 'crontab', 'my-cron', '--wait=false']), /crontab.stable.example.com "my-cron" deleted/);
  await mustKubectl(c, ['apply', '-f', '-'], { input: cron('left-over', '  cronSpec: "* * * * *"') });
  assert.match(await mustKubectl(c, ['delete', 'crd', 'crontabs.stable.example.com', '--timeout=20s']), /customresourcedefinition.apiextensions.k8s.io "crontabs.stable.example.com" deleted/);
  const gone = await c.kubectl(['get', 'crontabs.stable.example.com']);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /the server doesn't have a resource type "crontabs"/);
});
