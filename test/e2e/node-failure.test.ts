// A node whose heartbeats stop is marked unreachable and tainted by the node lifecycle
// controller; its pods are evicted when their toleration runs out and the ReplicaSet brings
// them back on the remaining nodes. Grace period and toleration are shortened for the test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';
import { builtinComponents } from '../../src/embed/components.ts';
import { SimNodes } from '../../src/sim/sim-nodes.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { loadKubeconfig } from '../../src/client/kubeconfig.ts';

let c: TestCluster;
let doomed: SimNodes;
let client: RestClient;
before(async () => {
  c = await startTestCluster({
    components: await builtinComponents({
      controllers: { leaderElect: false, config: { nodeMonitorGracePeriodMs: 3000, nodeMonitorPeriodMs: 500 } },
      scheduler: true,
      simNodes: { count: 2, heartbeatIntervalMs: 500 },
    }),
  });
  client = new RestClient(loadKubeconfig(c.kubeconfig), { component: 'node-failure-test' });
  doomed = new SimNodes({ client, count: 1, namePrefix: 'doomed', firstIndex: 50, heartbeatIntervalMs: 500 });
  await doomed.start();
});
after(async () => {
  await doomed?.stop();
  client?.close();
  await c?.stop();
});

async function eventually(what: string, check: () => Promise<boolean>, ms = 40_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a node that stops heartbeating is tainted and its pods are recreated elsewhere', async () => {
  const node = doomed.nodeNames()[0];
  const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 });
  await mustKubectl(c, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mover' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'mover' } },
        template: {
          metadata: { labels: { app: 'mover' } },
          spec: {
            containers: [{ name: 'c', image: 'nginx' }],
            tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
            // Start on the node that is about to fail.
            affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] } }] } },
          },
        },
      },
    }),
  });
  await mustKubectl(c, ['rollout', 'status', 'deployment/mover', '--timeout=40s']);
  assert.equal(await mustKubectl(c, ['get', 'pods', '-l', 'app=mover', '-o', 'jsonpath={.items[0].spec.nodeName}']), node);

  doomed.stopHeartbeats(node);
  await eventually('the unreachable taint', async () => (await mustKubectl(c, ['get', 'node', node, '-o', 'jsonpath={.spec.taints[*].key}'])).includes('node.kubernetes.io/unreachable'));
  assert.equal(await mustKubectl(c, ['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), 'Unknown');
  await eventually('the pod to run on another node', async () => {
    const pods = JSON.parse(await mustKubectl(c, ['get', 'pods', '-l', 'app=mover', '-o', 'json'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
    return pods.length === 1 && pods[0].spec.nodeName !== node && pods[0].status.phase === 'Running';
  });
});
