// @kubernetes/client-node, the official JavaScript client, against the embedded control
// plane over HTTPS with the admin client certificate: list, create, errors, the Watch class
// and an informer.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, Watch, makeInformer, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { startControlPlane, type EmbeddedControlPlane } from '../../src/index.ts';

describe('client-node against the embedded control plane', () => {
  let cp: EmbeddedControlPlane;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    cp = await startControlPlane();
    kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => cp.stop());

  const createNamespace = (name: string) => core.createNamespace({ body: { metadata: { name } } });

  test('lists the system namespaces the API server creates at start', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((ns) => ns.metadata?.name);
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(name), `${name} in ${names.join(',')}`);
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  });

  test('a created ConfigMap comes back from get and list with server-set fields', async () => {
    await createNamespace('create-ns');
    const created = await core.createNamespacedConfigMap({
      namespace: 'create-ns',
      body: { metadata: { name: 'settings', labels: { app: 'demo' } }, data: { mode: 'fast' } },
    });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);

    const read = await core.readNamespacedConfigMap({ namespace: 'create-ns', name: 'settings' });
    assert.deepEqual(read.data, { mode: 'fast' });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

    const listed = await core.listNamespacedConfigMap({ namespace: 'create-ns', labelSelector: 'app=demo' });
    assert.deepEqual(listed.items.map((cm) => cm.metadata?.name), ['settings']);
  });

  test('creating an object that exists fails with a 409 AlreadyExists Status', async () => {
    await createNamespace('conflict-ns');
    const body = { metadata: { name: 'twice' } };
    await core.createNamespacedConfigMap({ namespace: 'conflict-ns', body });
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'conflict-ns', body }), (err: unknown) => {
      assert.ok(err instanceof ApiException);
      assert.equal(err.code, 409);
      const status = JSON.parse(err.body as string);
      assert.equal(status.reason, 'AlreadyExists');
      return true;
    });
  });

  test('a list in pages of 2 with continue tokens returns every object once, in name order', async () => {
    await createNamespace('paging-ns');
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) await core.createNamespacedConfigMap({ namespace: 'paging-ns', body: { metadata: { name } } });
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'paging-ns', limit: 2, _continue: token });
      pages.push(page.items.map((cm) => cm.metadata!.name!));
      token = page.metadata?._continue || undefined;
    } while (token && pages.length < 10);
    assert.deepEqual(pages, [['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('a watch from the resourceVersion of a list delivers only what changed after the list', async () => {
    await createNamespace('resume-ns');
    await core.createNamespacedConfigMap({ namespace: 'resume-ns', body: { metadata: { name: 'old' } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'resume-ns' });
    await core.createNamespacedConfigMap({ namespace: 'resume-ns', body: { metadata: { name: 'new' } } });

    const events: string[] = [];
    let sawNew!: () => void;
    const done = new Promise<void>((resolve) => (sawNew = resolve));
    const controller = await new Watch(kc).watch(
      '/api/v1/namespaces/resume-ns/configmaps',
      { resourceVersion: list.metadata!.resourceVersion! },
      (type, obj: V1ConfigMap) => {
        events.push(`${type} ${obj.metadata?.name}`);
        if (obj.metadata?.name === 'new') sawNew();
      },
      () => {},
    );
    try {
      await withTimeout(done, 10_000, `events: ${events.join(', ')}`);
    } finally {
      controller.abort();
    }
    assert.deepEqual(events, ['ADDED new']);
  });

  test('the Watch class receives ADDED, MODIFIED and DELETED in order', async () => {
    await createNamespace('watch-ns');
    const events: Array<{ type: string; name: string; value?: string }> = [];
    let deleted!: () => void;
    let failed!: (err: unknown) => void;
    const sawDelete = new Promise<void>((resolve, reject) => {
      deleted = resolve;
      failed = reject;
    });
    const controller = await new Watch(kc).watch(
      '/api/v1/namespaces/watch-ns/configmaps',
      {},
      (type, obj: V1ConfigMap) => {
        events.push({ type, name: obj.metadata!.name!, value: obj.data?.value });
        if (type === 'DELETED') deleted();
      },
      (err) => {
        if (err && err.name !== 'AbortError') failed(err);
      },
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'watch-ns', body: { metadata: { name: 'watched' }, data: { value: '1' } } });
      await core.patchNamespacedConfigMap(
        { namespace: 'watch-ns', name: 'watched', body: { data: { value: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ namespace: 'watch-ns', name: 'watched' });
      await withTimeout(sawDelete, 10_000, `watch events so far: ${JSON.stringify(events)}`);
    } finally {
      controller.abort();
    }
    assert.deepEqual(events, [
      { type: 'ADDED', name: 'watched', value: '1' },
      { type: 'MODIFIED', name: 'watched', value: '2' },
      { type: 'DELETED', name: 'watched', value: '2' },
    ]);
  });

  test('an informer sees objects that existed before it started, then add, update and delete', async () => {
    await createNamespace('informer-ns');
    await core.createNamespacedConfigMap({ namespace: 'informer-ns', body: { metadata: { name: 'before' } } });

    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/informer-ns/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'informer-ns' }),
    );
    const seen: string[] = [];
    const waiters: Array<{ entry: string; resolve: () => void }> = [];
    const record = (verb: string) => (obj: V1ConfigMap) => {
      const entry = `${verb} ${obj.metadata?.name}${obj.data?.n ? `=${obj.data.n}` : ''}`;
      seen.push(entry);
      for (const w of waiters.filter((w) => w.entry === entry)) w.resolve();
    };
    const waitFor = (entry: string) =>
      seen.includes(entry)
        ? Promise.resolve()
        : withTimeout(new Promise<void>((resolve) => waiters.push({ entry, resolve })), 10_000, `informer saw: ${seen.join(', ')}; wanted ${entry}`);
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    informer.on('error', (err) => {
      if ((err as Error | undefined)?.name !== 'AbortError') seen.push(`error ${String(err)}`); // stop() aborts the watch
    });

    await informer.start();
    try {
      await waitFor('add before');
      await core.createNamespacedConfigMap({ namespace: 'informer-ns', body: { metadata: { name: 'later' }, data: { n: '1' } } });
      await waitFor('add later=1');
      await core.replaceNamespacedConfigMap({
        namespace: 'informer-ns',
        name: 'later',
        body: { metadata: { name: 'later' }, data: { n: '2' } },
      });
      await waitFor('update later=2');
      await core.deleteNamespacedConfigMap({ namespace: 'informer-ns', name: 'later' });
      await waitFor('delete later=2');
    } finally {
      await informer.stop();
    }
    assert.deepEqual(seen, ['add before', 'add later=1', 'update later=2', 'delete later=2']);
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
