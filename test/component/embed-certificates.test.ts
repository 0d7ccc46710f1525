// The embedded control plane's certificate cache across processes: each test runs fresh
// processes with their own TMPDIR, so the cache they share is this test's alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** Starts and stops a control plane in a fresh process; returns the CA its kubeconfig names. */
function caOfAFreshProcess(tmp: string): Promise<string> {
  const script = `
    const { startControlPlane } = await import(${JSON.stringify(INDEX)});
    const cp = await startControlPlane();
    process.stdout.write(cp.kubeconfig);
    await cp.stop();
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, TMPDIR: tmp }, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        const kubeconfig = parseYaml(stdout);
        resolve(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8'));
      },
    );
  });
}

const cacheDir = (tmp: string) => join(tmp, `k8ts-embed-pki-${userInfo().uid}`, 'pki');

test('a second process reuses the CA the first one issued, from a cache only its user can open', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'k8ts-embed-certs-'));
  try {
    const first = await caOfAFreshProcess(tmp);
    assert.equal(await readFile(join(cacheDir(tmp), 'ca.crt'), 'utf8'), first);
    assert.equal((await stat(join(cacheDir(tmp), '..'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(cacheDir(tmp), 'ca.key'))).mode & 0o777, 0o600);
    const second = await caOfAFreshProcess(tmp);
    assert.equal(second, first);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a damaged cache is replaced by freshly issued certificates', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'k8ts-embed-certs-'));
  try {
    const original = await caOfAFreshProcess(tmp);
    await writeFile(join(cacheDir(tmp), 'admin.key'), 'not a key\n');
    const replaced = await caOfAFreshProcess(tmp);
    assert.notEqual(replaced, original);
    assert.equal(await readFile(join(cacheDir(tmp), 'ca.crt'), 'utf8'), replaced);
    const admin = new X509Certificate(await readFile(join(cacheDir(tmp), 'admin.crt'), 'utf8'));
    assert.ok(admin.checkIssued(new X509Certificate(replaced)));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
