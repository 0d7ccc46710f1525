// Every `kubectl create <kind>` subcommand, with kubectl 1.31 (JSON bodies) and 1.32/1.33
// (protobuf bodies), must give the same stored object.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  // A kubeconfig with the cluster's server and CA but no user: for requests that carry only a token.
  const { readFile, writeFile } = await import('node:fs/promises');
  const { parse, stringify } = await import('yaml');
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  kc.users = [{ name: 'nobody', user: {} }];
  kc.contexts[0].context.user = 'nobody';
  await writeFile(c.kubeconfig.replace(/kubeconfig.yaml$/, 'token-only.yaml'), stringify(kc));
});
after(async () => {
  await c?.stop();
});

const VERSIONS = ['1.31', '1.32', '1.33'];

interface Case {
  kind: string; // resource to read back
  name: string;
  args: string[]; // after `create`
  namespaced?: boolean;
}

const CASES: Case[] = [
  { kind: 'configmap', name: 'cm', args: ['configmap', 'cm', '--from-literal=a=1', '--from-literal=b=two'] },
  { kind: 'secret', name: 'gen', args: ['secret', 'generic', 'gen', '--from-literal=user=admin', '--type=Opaque'] },
  { kind: 'secret', name: 'reg', args: ['secret', 'docker-registry', 'reg', '--docker-server=r.example.com', '--docker-username=u', '--docker-password=p'] },
  { kind: 'deployment', name: 'web', args: ['deployment', 'web', '--image=nginx:1.25', '--replicas=2', '--port=80'] },
  { kind: 'job', name: 'once', args: ['job', 'once', '--image=busybox', '--', 'echo', 'hi'] },
  { kind: 'cronjob', name: 'tick', args: ['cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'] },
  { kind: 'service', name: 'cip', args: ['service', 'clusterip', 'cip', '--tcp=80:8080'] },
  { kind: 'service', name: 'np', args: ['service', 'nodeport', 'np', '--tcp=81:8081'] },
  { kind: 'service', name: 'ext', args: ['service', 'externalname', 'ext', '--external-name=db.example.com'] },
  { kind: 'serviceaccount', name: 'robot', args: ['serviceaccount', 'robot'] },
  { kind: 'role', name: 'reader', args: ['role', 'reader', '--verb=get,list', '--resource=pods'] },
  { kind: 'rolebinding', name: 'reader-b', args: ['rolebinding', 'reader-b', '--role=reader', '--user=alice'] },
  { kind: 'quota', name: 'q', args: ['quota', 'q', '--hard=pods=10,requests.cpu=2'] },
  { kind: 'poddisruptionbudget', name: 'pdb', args: ['poddisruptionbudget', 'pdb', '--selector=app=web', '--min-available=1'] },
  { kind: 'ingress', name: 'ing', args: ['ingress', 'ing', '--rule=foo.example.com/bar=svc:80'] },
];

const CLUSTER_CASES = (suffix: string): Case[] => [
  { kind: 'namespace', name: `ns-${suffix}`, args: ['namespace', `ns-${suffix}`], namespaced: false },
  { kind: 'clusterrole', name: `cr-${suffix}`, args: ['clusterrole', `cr-${suffix}`, '--verb=get', '--resource=nodes'], namespaced: false },
  { kind: 'clusterrolebinding', name: `crb-${suffix}`, args: ['clusterrolebinding', `crb-${suffix}`, `--clusterrole=cr-${suffix}`, '--group=devs'], namespaced: false },
  { kind: 'priorityclass', name: `pc-${suffix}`, args: ['priorityclass', `pc-${suffix}`, '--value=1000', '--description=high'], namespaced: false },
];

/** JSON null and an absent field mean the same to the API (Go decodes both to the zero value). */
function withoutNulls(v: any): any {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  return v;
}

/** The object without what differs by nature between two creations. */
function comparable(obj: any, ns: string): any {
  const uid: string = obj.metadata.uid;
  const o = JSON.parse(JSON.stringify(withoutNulls(obj)).replaceAll(uid, 'UID'));
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation']) delete o.metadata[k];
  if (o.metadata.namespace === ns) delete o.metadata.namespace;
  if (o.spec?.clusterIP) {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
  }
  for (const p of o.spec?.ports ?? []) delete p.nodePort;
  const text = ns ? JSON.stringify(o).replaceAll(ns, 'NS') : JSON.stringify(o);
  return JSON.parse(text.replace(/-(1\.\d\d)"/g, '"').replace(/-v\d\d"/g, '"'));
}

test('kubectl create subcommands store the same object from JSON (1.31) and protobuf (1.32, 1.33) bodies', async () => {
  const results = new Map<string, any[]>();
  for (const v of VERSIONS) {
    const ns = `create-${v.replace('.', '')}`;
    await mustKubectl(c, ['create', 'namespace', ns], { version: v });
    for (const cs of CASES) {
      await mustKubectl(c, ['create', '-n', ns, ...cs.args], { version: v });
      const obj = JSON.parse(await mustKubectl(c, ['get', cs.kind, cs.name, '-n', ns, '-o', 'json']));
      const key = `${cs.kind}/${cs.name}`;
      results.set(key, [...(results.get(key) ?? []), comparable(obj, ns)]);
    }
    const suffix = `v${v.replace('.', '')}`;
    for (const cs of CLUSTER_CASES(suffix)) {
      await mustKubectl(c, ['create', ...cs.args], { version: v });
      const obj = JSON.parse(await mustKubectl(c, ['get', cs.kind, cs.name, '-o', 'json']));
      const key = `${cs.kind}/cluster`;
      const normalized = JSON.parse(JSON.stringify(comparable(obj, '')).replaceAll(suffix, 'SUFFIX'));
      results.set(key, [...(results.get(key) ?? []), normalized]);
    }
  }
  for (const [key, objs] of results) {
    assert.equal(objs.length, VERSIONS.length, key);
    assert.deepEqual(objs[1], objs[0], `${key}: kubectl 1.32 (protobuf) differs from 1.31 (JSON)`);
    assert.deepEqual(objs[2], objs[0], `${key}: kubectl 1.33 (protobuf) differs from 1.31 (JSON)`);
  }
  const dep = results.get('deployment/web')![0];
  assert.equal(dep.spec.replicas, 2);
  assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:1.25');
  assert.equal(dep.spec.template.spec.containers[0].ports[0].containerPort, 80);
  const secret = results.get('secret/gen')![0];
  assert.equal(Buffer.from(secret.data.user, 'base64').toString(), 'admin');
});

test('kubectl create token issues a service account token the server accepts', async () => {
  await mustKubectl(c, ['create', 'serviceaccount', 'robot-token']);
  for (const v of VERSIONS) {
    const token = (await mustKubectl(c, ['create', 'token', 'robot-token', '--duration=15m'], { version: v })).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:robot-token');
    assert.equal(claims.exp - claims.iat, 900);
    // Only the token: a kubeconfig with the server and CA but no client certificate.
    const whoami = await mustKubectl(c, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}', `--token=${token}`, '--kubeconfig', c.kubeconfig.replace(/kubeconfig.yaml$/, 'token-only.yaml')], {});
    assert.equal(whoami, 'system:serviceaccount:default:robot-token');
  }
  const short = await c.kubectl(['create', 'token', 'robot-token', '--duration=1m']);
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /may not specify a duration less than 10 minutes/);
});
