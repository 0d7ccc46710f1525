import { test } from 'node:test';
import assert from 'node:assert/strict';
import { services } from '../../../src/api/resources/services.ts';
import { namespaces } from '../../../src/api/resources/namespaces.ts';
import { configmaps } from '../../../src/api/resources/configmaps.ts';
import { secrets } from '../../../src/api/resources/secrets.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

function svc(spec: any): any {
  const s = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec };
  services.strategy.defaults!(s);
  services.strategy.prepareForCreate!(s);
  return s;
}

test('a service defaults type, affinity, protocol, targetPort and traffic policies', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80 }] });
  assert.equal(s.spec.type, 'ClusterIP');
  assert.equal(s.spec.sessionAffinity, 'None');
  assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
  assert.equal(s.spec.externalTrafficPolicy, undefined);
  assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
  assert.deepEqual(services.strategy.validate!(s), []);
  const np = svc({ type: 'NodePort', ports: [{ port: 80 }] });
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
});

test('a service needs ports, names for several ports, and no nodePort on ClusterIP', () => {
  assert.deepEqual(services.strategy.validate!(svc({})).map((e) => e.field), ['spec.ports']);
  assert.deepEqual(services.strategy.validate!(svc({ clusterIP: 'None' })), []);
  const errs = services.strategy.validate!(svc({ ports: [{ port: 80 }, { port: 0, name: 'b', nodePort: 30001 }] }));
  assert.deepEqual(errs.map((e) => `${e.field}: ${e.message}`), [
    'spec.ports[0].name: Required value',
    'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
});

test('a service name must be a DNS-1035 label', () => {
  const s = svc({ ports: [{ port: 80 }] });
  s.metadata.name = '1web';
  assert.match(services.strategy.validate!(s)[0].message, /a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
});

test('an update keeps the allocated cluster IP and may not change it', () => {
  const old = svc({ ports: [{ port: 80 }] });
  old.spec.clusterIP = '10.96.0.10';
  old.spec.clusterIPs = ['10.96.0.10'];
  const upd = svc({ ports: [{ port: 81 }] });
  services.strategy.prepareForUpdate!(upd, old);
  assert.equal(upd.spec.clusterIP, '10.96.0.10');
  assert.deepEqual(services.strategy.validateUpdate!(upd, old), []);
  upd.spec.clusterIPs = ['10.96.0.11'];
  upd.spec.clusterIP = '10.96.0.11';
  assert.deepEqual(services.strategy.validateUpdate!(upd, old).map((e) => `${e.field}: ${e.message}`), [
    'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set',
  ]);
});

test('the service row prints type, IPs and ports as kubectl does', () => {
  const s = svc({ type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }, { port: 53, protocol: 'UDP', name: 'dns' }] });
  s.spec.clusterIPs = ['10.96.0.5'];
  assert.deepEqual(services.strategy.table!.row(s, NOW), ['web', 'NodePort', '10.96.0.5', '<none>', '80:30080/TCP,53/UDP', '60m', 'app=web']);
  const lb = svc({ type: 'LoadBalancer', ports: [{ port: 80 }] });
  assert.equal(services.strategy.table!.row(lb, NOW)[3], '<pending>');
});

test('a namespace gets its name label, the kubernetes finalizer and phase Active', () => {
  const ns: any = { metadata: { name: 'team-a' } };
  namespaces.strategy.defaults!(ns);
  namespaces.strategy.prepareForCreate!(ns);
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(namespaces.strategy.validate!(ns), []);
  assert.equal(namespaces.strategy.fieldSelectors!['status.phase'](ns), 'Active');
  ns.metadata.name = 'team.a';
  assert.deepEqual(namespaces.strategy.validate!(ns).map((e) => e.message), ['Invalid value: "team.a": must not contain dots']);
});

test('config map keys are checked and an immutable config map cannot change', () => {
  const cm: any = { metadata: { name: 'cfg', namespace: 'default' }, data: { 'good.key': 'v', 'bad key': 'x' } };
  const errs = configmaps.strategy.validate!(cm);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'data[bad key]');
  assert.match(errs[0].message, /a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/);
  const old = { ...cm, data: { a: '1' }, immutable: true };
  const upd = { ...cm, data: { a: '2' }, immutable: true };
  assert.deepEqual(configmaps.strategy.validateUpdate!(upd, old).map((e) => `${e.field}: ${e.message}`), [
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(configmaps.strategy.table!.row({ metadata: { name: 'cfg' }, data: { a: '1' }, binaryData: { b: 'AA==' } }, NOW), ['cfg', 2, '<unknown>']);
});

test('a config map over 1 MiB is too long', () => {
  const cm: any = { metadata: { name: 'cfg', namespace: 'default' }, data: { big: 'x'.repeat(1024 * 1024 + 1) } };
  assert.deepEqual(configmaps.strategy.validate!(cm).map((e) => e.message), ['Too long: may not be more than 1048576 bytes']);
});

test('secrets default to Opaque, fold stringData into data and check TLS keys', () => {
  const sec: any = { metadata: { name: 's', namespace: 'default' }, stringData: { password: 'hunter2' } };
  secrets.strategy.defaults!(sec);
  assert.equal(sec.type, 'Opaque');
  assert.deepEqual(sec.data, { password: Buffer.from('hunter2').toString('base64') });
  assert.equal(sec.stringData, undefined);
  assert.equal(secrets.strategy.fieldSelectors!.type(sec), 'Opaque');
  const tls: any = { metadata: { name: 't', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } };
  assert.deepEqual(secrets.strategy.validate!(tls).map((e) => `${e.field}: ${e.message}`), ['data[tls.key]: Required value']);
  assert.deepEqual(secrets.strategy.validateUpdate!({ ...tls, type: 'Opaque' }, tls).map((e) => e.field), ['type']);
});

test('a headless service without a selector requires dual stack, as the allocator sets it', () => {
  const s = svc({ clusterIP: 'None' });
  assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
  assert.deepEqual(s.spec.clusterIPs, ['None']);
  const withSelector = svc({ clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] });
  assert.equal(withSelector.spec.ipFamilyPolicy, 'SingleStack');
});
