import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openapiV3Index, openapiV3PathKey, openapiV3Served } from '../../../src/api/openapi/v3.ts';
import type { ResourceDefinition } from '../../../src/api/strategy.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const defs: Record<string, ResourceDefinition[]> = {
  v1: [
    { group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', resource: 'pods', singular: 'pod', namespaced: true, typeName: 'io.k8s.api.core.v1.Pod', subresources: ['status'], strategy: {} },
  ],
  'apps/v1': [
    { group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', resource: 'deployments', singular: 'deployment', namespaced: true, typeName: 'io.k8s.api.apps.v1.Deployment', subresources: ['status', 'scale'], strategy: {} },
  ],
};

function sendJSON(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function resourceList(gv: string) {
  return {
    kind: 'APIResourceList',
    groupVersion: gv,
    resources: defs[gv].map((d) => ({ name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'list', 'patch'] })),
  };
}

test('real kubectl explain walks the served v3 document to the containers field', { skip: !existsSync(KUBECTL) }, async () => {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/version') return sendJSON(res, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    if (path === '/api') return sendJSON(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      return sendJSON(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] });
    }
    if (path === '/api/v1') return sendJSON(res, resourceList('v1'));
    if (path === '/apis/apps/v1') return sendJSON(res, resourceList('apps/v1'));
    if (path === '/openapi/v3') return sendJSON(res, openapiV3Index(Object.keys(defs), (gv) => defs[gv]));
    for (const gv of Object.keys(defs)) {
      if (path === `/openapi/v3/${openapiV3PathKey(gv)}`) return sendJSON(res, openapiV3Served(gv, defs[gv]).json);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cache = mkdtempSync(join(tmpdir(), 'k8ts-explain-'));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = await new Promise<string>((resolve, reject) => {
      const args = ['--server', url, '--kubeconfig', '/dev/null', '--cache-dir', cache, 'explain', 'deployment.spec.template.spec.containers'];
      execFile(KUBECTL, args, { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /GROUP:\s+apps\n/);
    assert.match(out, /VERSION:\s+v1\n/);
    assert.match(out, /FIELD: containers <\[\]Container>/);
    assert.match(out, /image\s+<string>/);
    assert.match(out, /name\s+<string> -required-/);
  } finally {
    server.close();
    rmSync(cache, { recursive: true, force: true });
  }
});
