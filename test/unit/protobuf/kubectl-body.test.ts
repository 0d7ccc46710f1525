import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from '../../../src/api/protobuf/unknown.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A server that knows just enough discovery for `kubectl create configmap` and records the POST. */
async function withCapturingServer(run: (url: string) => Promise<void>): Promise<{ body: Buffer; contentType?: string }> {
  let captured: { body: Buffer; contentType?: string } | undefined;
  const reply: Record<string, unknown> = {
    '/api/v1/namespaces/default/configmaps': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } },
    '/apis/apps/v1/namespaces/default/deployments': { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } },
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews': { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', status: { allowed: true } },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/version') return sendJSON(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
      if (path === '/api') return sendJSON(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') {
        const group = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
        return sendJSON(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps'), group('authorization.k8s.io')] });
      }
      if (path === '/apis/apps/v1') {
        return sendJSON(res, 200, {
          kind: 'APIResourceList',
          groupVersion: 'apps/v1',
          resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['create', 'get'] }],
        });
      }
      if (path === '/apis/authorization.k8s.io/v1') {
        return sendJSON(res, 200, {
          kind: 'APIResourceList',
          groupVersion: 'authorization.k8s.io/v1',
          resources: [{ name: 'selfsubjectaccessreviews', singularName: '', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] }],
        });
      }
      if (path === '/api/v1') {
        return sendJSON(res, 200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [{ name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'get'], shortNames: ['cm'] }],
        });
      }
      if (req.method === 'POST' && reply[path]) {
        captured = { body: Buffer.concat(chunks), contentType: req.headers['content-type'] };
        return sendJSON(res, 201, reply[path]);
      }
      sendJSON(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
  assert.ok(captured, 'kubectl posted a body');
  return captured;
}

function runKubectl(cache: string, args: string[]): (url: string) => Promise<void> {
  return (url) =>
    new Promise((resolve, reject) => {
      const all = ['--server', url, '--kubeconfig', '/dev/null', '--cache-dir', cache, ...args];
      execFile(KUBECTL, all, { timeout: 30_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
    });
}

async function captureBody(args: string[]): Promise<{ body: Buffer; contentType?: string }> {
  const cache = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-'));
  try {
    return await withCapturingServer(runKubectl(cache, args));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test('the protobuf body real kubectl 1.32 posts for create configmap decodes to the ConfigMap', { skip: !existsSync(KUBECTL) }, async () => {
  const { body, contentType } = await captureBody(['create', 'configmap', 'x', '-n', 'default', '--from-literal=a=b', '--from-literal=greeting=héllo']);
  assert.equal(contentType, 'application/vnd.kubernetes.protobuf');
  assert.ok(isKubernetesProtobuf(body));
  assert.deepStrictEqual(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'default' },
    data: { a: 'b', greeting: 'héllo' },
  });
});

test('the protobuf bodies of kubectl create deployment and auth can-i decode as their JSON would read', { skip: !existsSync(KUBECTL) }, async () => {
  const deployment = await captureBody(['create', 'deployment', 'web', '-n', 'default', '--image=nginx', '--replicas=3', '--port=80']);
  assert.deepStrictEqual(decodeKubernetesProtobuf(deployment.body), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
      strategy: {},
    },
    status: {},
  });
  const review = await captureBody(['auth', 'can-i', 'create', 'deployments', '-n', 'default']);
  assert.deepStrictEqual(decodeKubernetesProtobuf(review.body), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } },
    status: { allowed: false },
  });
});
