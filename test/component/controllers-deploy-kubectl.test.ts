// The Deployment and ReplicaSet controllers as the real kubectl sees them: a control plane
// with the controller manager, the scheduler and three simulated nodes (which run the pods).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { controllerManagerComponent } from '../../src/controllers/component.ts';
import { schedulerComponentWith } from '../../src/scheduler/component.ts';
import { simNodesComponent } from '../../src/sim/component.ts';
import { mustKubectl, startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let cluster: TestCluster;
before(async () => {
  cluster = await startTestCluster({
    components: [simNodesComponent({ count: 3 }), schedulerComponentWith({ leaderElection: false }), controllerManagerComponent({ leaderElect: false })],
  });
});
after(async () => {
  await cluster?.stop();
});

const kubectl = (args: string[]) => mustKubectl(cluster, args, { timeoutMs: 60_000 });

test('kubectl rollout status, set image, history and undo work against the deployment controller', async () => {
  await kubectl(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']);
  const status = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=40s']);
  assert.match(status, /deployment "web" successfully rolled out/);

  await kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
  assert.match(await kubectl(['rollout', 'status', 'deployment/web', '--timeout=40s']), /successfully rolled out/);
  const history = await kubectl(['rollout', 'history', 'deployment/web']);
  assert.match(history, /^REVISION\s+CHANGE-CAUSE/m);
  assert.match(history, /^1\s+/m);
  assert.match(history, /^2\s+/m);

  await kubectl(['rollout', 'undo', 'deployment/web', '--to-revision=1']);
  assert.match(await kubectl(['rollout', 'status', 'deployment/web', '--timeout=40s']), /successfully rolled out/);
  const image = await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  assert.equal(image, 'nginx:1.25');
  const rsImages = await kubectl(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas}:{.spec.template.spec.containers[0].image}{"\\n"}{end}']);
  assert.deepEqual(rsImages.trim().split('\n').sort(), ['0:nginx:1.27', '3:nginx:1.25']);
  const revision = await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']);
  assert.equal(revision, '3');

  const describe = await kubectl(['describe', 'deployment', 'web']);
  assert.match(describe, /ScalingReplicaSet/);
  assert.match(describe, /NewReplicaSetAvailable/);
});

test('kubectl scale, pause and resume drive the rollout', async () => {
  await kubectl(['create', 'deployment', 'api', '--image=api:1', '--replicas=2']);
  await kubectl(['rollout', 'status', 'deployment/api', '--timeout=40s']);
  await kubectl(['rollout', 'pause', 'deployment/api']);
  await kubectl(['set', 'image', 'deployment/api', 'api=api:2']);
  await kubectl(['scale', 'deployment/api', '--replicas=4']);
  await kubectl(['wait', '--for=jsonpath={.status.availableReplicas}=4', 'deployment/api', '--timeout=40s']);
  const rsCount = await kubectl(['get', 'rs', '-l', 'app=api', '-o', 'name']);
  assert.equal(rsCount.trim().split('\n').length, 1, 'no rollout while paused');
  await kubectl(['rollout', 'resume', 'deployment/api']);
  assert.match(await kubectl(['rollout', 'status', 'deployment/api', '--timeout=40s']), /successfully rolled out/);
  // Old pods may still be terminating (graceful deletion) when the rollout reports done.
  const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=api', '-o', 'json'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
  const images = pods.map((p: any) => p.spec.containers[0].image);
  assert.ok(images.length === 4 && images.every((i: string) => i === 'api:2'), images.join(' '));
});

test('kubectl delete --cascade=orphan keeps the pods; --cascade=foreground removes them before the owner', async () => {
  await kubectl(['create', 'deployment', 'keep', '--image=k:1', '--replicas=2']);
  await kubectl(['rollout', 'status', 'deployment/keep', '--timeout=40s']);
  await kubectl(['delete', 'deployment', 'keep', '--cascade=orphan', '--wait=true']);
  const rs = await kubectl(['get', 'rs', '-l', 'app=keep', '-o', 'jsonpath={.items[*].metadata.ownerReferences}']);
  assert.equal(rs.trim(), '', 'the ReplicaSet lost its owner reference');
  assert.equal((await kubectl(['get', 'pods', '-l', 'app=keep', '-o', 'name'])).trim().split('\n').length, 2);

  await kubectl(['create', 'deployment', 'gone', '--image=g:1', '--replicas=2']);
  await kubectl(['rollout', 'status', 'deployment/gone', '--timeout=40s']);
  await kubectl(['delete', 'deployment', 'gone', '--cascade=foreground', '--wait=true', '--timeout=40s']);
  assert.equal((await kubectl(['get', 'rs,pods', '-l', 'app=gone', '-o', 'name'])).trim(), '');
});
