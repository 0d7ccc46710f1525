// Certificates for embedded control planes. Issuing them (and even loading the X.509
// library that issues them) costs more than starting the API server, so they are made once
// and shared: in memory for the rest of the process, and on disk in a private directory
// under the system temp dir for the next test process. A later process checks the files
// with node:crypto alone and loads the issuing library only when they must be remade.

import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Pki } from '../apiserver/auth/pki.ts';

/** Certificates this close to expiry are remade rather than reused. */
const REUSE_MARGIN_MS = 24 * 60 * 60 * 1000;

const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'apiserver.crt',
  serverKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
} as const;

type PemTexts = Omit<Pki, 'paths' | 'generated'>;

let inProcess: Promise<Pki> | undefined;

/** The shared CA, serving certificate (valid for 127.0.0.1, ::1 and localhost) and admin client certificate. */
export function embeddedPki(): Promise<Pki> {
  if (!inProcess) {
    inProcess = loadOrIssue(join(tmpdir(), `k8ts-embed-pki-${userInfo().uid}`));
    inProcess.catch(() => (inProcess = undefined));
  }
  return inProcess;
}

async function loadOrIssue(cacheRoot: string): Promise<Pki> {
  const cacheUsable = await ensurePrivateDir(cacheRoot);
  if (cacheUsable) {
    const cached = await readUsable(join(cacheRoot, 'pki'));
    if (cached) return cached;
  }
  // Issued in a fresh directory, then moved into place whole, so processes that start
  // together never see one's CA beside another's certificates.
  const staging = await mkdtemp(join(tmpdir(), 'k8ts-embed-pki-staging-'));
  const { ensurePki } = await import('../apiserver/auth/pki.ts');
  const issued = await ensurePki(staging, { hostname: 'localhost' });
  if (!cacheUsable) return issued; // the files stay in `staging`, where issued.paths says
  const cacheDir = join(cacheRoot, 'pki');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await rename(issued.paths.dir, cacheDir);
      await rm(staging, { recursive: true, force: true });
      return { ...issued, paths: pathsIn(cacheDir) };
    } catch {
      const theirs = await readUsable(cacheDir); // another process got there first
      if (theirs) {
        await rm(staging, { recursive: true, force: true });
        return theirs;
      }
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
  return issued;
}

/** The cache directory is used only if it is ours and nobody else can write to it. */
async function ensurePrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    return info.isDirectory() && info.uid === userInfo().uid && (info.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

async function readUsable(dir: string): Promise<Pki | undefined> {
  let pem: PemTexts;
  try {
    const entries = await Promise.all(
      Object.entries(FILES).map(async ([field, file]) => [field, await readFile(join(dir, file), 'utf8')] as const),
    );
    pem = Object.fromEntries(entries) as PemTexts;
  } catch {
    return undefined;
  }
  try {
    const ca = new X509Certificate(pem.caCert);
    const server = new X509Certificate(pem.serverCert);
    const admin = new X509Certificate(pem.adminCert);
    const usable =
      ca.ca &&
      [ca, server, admin].every(stillGood) &&
      [server, admin].every((leaf) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey)) &&
      keyMatches(pem.caKey, ca) &&
      keyMatches(pem.serverKey, server) &&
      keyMatches(pem.adminKey, admin) &&
      server.checkIP('127.0.0.1') !== undefined &&
      server.checkHost('localhost') !== undefined;
    return usable ? { ...pem, paths: pathsIn(dir), generated: [] } : undefined;
  } catch {
    return undefined;
  }
}

function stillGood(cert: X509Certificate): boolean {
  const now = Date.now();
  return new Date(cert.validFrom).getTime() <= now && new Date(cert.validTo).getTime() - REUSE_MARGIN_MS > now;
}

function keyMatches(keyPem: string, cert: X509Certificate): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return fromKey.equals(cert.publicKey.export({ type: 'spki', format: 'der' }));
}

function pathsIn(dir: string): Pki['paths'] {
  const at = (file: string) => join(dir, file);
  return {
    dir,
    caCert: at(FILES.caCert),
    caKey: at(FILES.caKey),
    serverCert: at(FILES.serverCert),
    serverKey: at(FILES.serverKey),
    adminCert: at(FILES.adminCert),
    adminKey: at(FILES.adminKey),
  };
}
