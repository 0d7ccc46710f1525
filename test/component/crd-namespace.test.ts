// Custom resources take part in namespace deletion: the namespace controller finds them
// through discovery and deletes them before the namespace goes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { controllerManagerComponent } from '../../src/controllers/component.ts';
import { mustKubectl, startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { cronTab, cronTabCrd } from './crd-fixtures.ts';

let cluster: TestCluster;
before(async () => {
  cluster = await startTestCluster({ components: [controllerManagerComponent({ controllers: ['namespace'], leaderElect: false })] });
});
after(async () => {
  await cluster?.stop();
});

test('deleting a namespace deletes the custom resources in it', async () => {
  const kubectl = (args: string[], input?: string) => mustKubectl(cluster, args, input === undefined ? {} : { input });
  await kubectl(['apply', '-f', '-'], JSON.stringify(cronTabCrd()));
  await kubectl(['wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=10s']);
  await kubectl(['create', 'namespace', 'team']);
  const obj = cronTab('in-team');
  obj.metadata.namespace = 'team';
  await kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  await kubectl(['apply', '-f', '-'], JSON.stringify(cronTab('in-default')));
  assert.match(await kubectl(['delete', 'namespace', 'team', '--timeout=30s']), /namespace "team" deleted/);
  assert.equal(await kubectl(['get', 'crontabs', '-A', '-o', 'jsonpath={.items[*].metadata.name}']), 'in-default');
});
