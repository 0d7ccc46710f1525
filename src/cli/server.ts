// Starts a control plane the way `k8ts server` runs it: open the store, make sure the
// certificates exist, start the API server (TLS + authentication), wait until it is ready,
// write the admin kubeconfig, then start the components listed for the command (scheduler,
// controllers… each one only talks to the API server). Usable from code as well as from
// the command line.

import { cleanupStack } from './cleanup-stack.ts';
import { mkdir } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../apiserver/auth/authn.ts';
import { clientUrl, writeKubeconfig } from '../apiserver/auth/kubeconfig.ts';
import { ensurePki, type Pki } from '../apiserver/auth/pki.ts';
import { loadTokenFile } from '../apiserver/auth/token-file.ts';
import type { ApiServerOptions, RunningApiServer } from '../apiserver/options.ts';
import type { Store } from '../storage/store.ts';
import type { ControllerManagerSettings } from './controller-manager-flags.ts';

export interface ControlPlaneConfig {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  bindAddress: string;
  /** etcd endpoints; empty: SQLite at `<dataDir>/state.db`. */
  datastoreEndpoints: string[];
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  /** Plain HTTP on 127.0.0.1 without authentication; 0: off. */
  insecurePort: number;
  tokenAuthFile: string;
  tlsSans: string[];
  simNodes: number;
}

/** What a component gets when it starts; it reaches the cluster through `kubeconfigPath` / `apiServer.url`. */
export interface ControlPlaneContext {
  config: ControlPlaneConfig;
  apiServer: RunningApiServer;
  kubeconfigPath: string;
  pki: Pki;
  log: (line: string) => void;
}

/** Something `k8ts server` runs beside the API server (scheduler, controller manager, simulated nodes…). */
export interface Component {
  name: string;
  start(ctx: ControlPlaneContext): Promise<{ stop(): Promise<void> }>;
}

export interface RunningControlPlane {
  apiServer: RunningApiServer;
  kubeconfigPath: string;
  pki: Pki;
  /** Stops the components (newest first), the API servers and the store. Idempotent. */
  stop(): Promise<void>;
}

/** Seams for tests; by default the real store and API server. */
export interface ControlPlaneDeps {
  openStore(opts: { datastoreEndpoint?: string | string[]; sqlitePath?: string }): Promise<Store>;
  startApiServer(opts: ApiServerOptions): Promise<RunningApiServer>;
}

/**
 * What `k8ts server` runs beside the API server: the controller manager (with the settings of
 * its upstream flags) and the scheduler, each electing its leader on a Lease, as upstream
 * (that Lease is also what `kubectl get componentstatuses` reads), and simulated nodes when
 * asked for.
 */
export async function serverComponents(opts: {
  controllerManager: ControllerManagerSettings;
  simNodes: number;
  simHeartbeatIntervalMs?: number;
}): Promise<Component[]> {
  const { builtinComponents } = await import('../embed/components.ts');
  return builtinComponents({
    controllers: { ...opts.controllerManager, leaderElect: true },
    scheduler: { leaderElection: {} },
    simNodes: opts.simHeartbeatIntervalMs === undefined ? opts.simNodes : { count: opts.simNodes, heartbeatIntervalMs: opts.simHeartbeatIntervalMs },
  });
}

export function apiserverComponents(): Component[] {
  return [];
}

const READY_TIMEOUT_MS = 60_000;

export async function startControlPlane(
  config: ControlPlaneConfig,
  components: Component[],
  log: (line: string) => void = () => {},
  deps?: Partial<ControlPlaneDeps>,
): Promise<RunningControlPlane> {
  // Loaded on demand, so `k8ts --help` and `k8ts version` start instantly.
  const openStore = deps?.openStore ?? (await import('../storage/open.ts')).openStore;
  const startApiServer = deps?.startApiServer ?? (await import('../apiserver/server.ts')).startApiServer;

  const cleanups = cleanupStack(log);
  const stop = cleanups.stop;

  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

    const store = await openStore(
      config.datastoreEndpoints.length > 0
        ? { datastoreEndpoint: config.datastoreEndpoints }
        : { sqlitePath: join(config.dataDir, 'state.db') },
    );
    cleanups.push(() => store.close());
    const where = config.datastoreEndpoints.length > 0 ? `etcd at ${config.datastoreEndpoints.join(',')}` : `SQLite ${join(config.dataDir, 'state.db')}`;
    log(`store: opened ${where} (revision ${await store.currentRevision()})`);

    const pki = await ensurePki(config.dataDir, {
      serviceClusterIPRange: config.serviceClusterIPRange,
      extraSans: [...config.tlsSans, ...(isWildcard(config.bindAddress) ? machineAddresses() : [config.bindAddress])],
    });
    log(
      pki.generated.length > 0
        ? `certificates: generated ${pki.generated.join(', ')} in ${pki.paths.dir}`
        : `certificates: reusing ${pki.paths.dir}`,
    );

    const tokens = await loadTokenFile(config.tokenAuthFile);
    if (tokens.size > 0) log(`authentication: ${tokens.size} static token(s) from ${config.tokenAuthFile}`);

    const serviceAccountKey = await ensureServiceAccountKey(config.dataDir);
    const apiServer = await startApiServer({
      serviceAccountKey,
      store,
      host: config.bindAddress,
      port: config.port,
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
      authenticate: createAuthenticator({ caPem: pki.caCert, tokens, onRejected: (why) => log(`authentication: refused: ${why}`) }),
      serviceClusterIPRange: config.serviceClusterIPRange,
      serviceNodePortRange: config.serviceNodePortRange,
      insecurePort: config.insecurePort > 0 ? config.insecurePort : undefined,
      log: (line: string) => log(`apiserver: ${line}`),
    });
    cleanups.push(() => apiServer.close());
    log(`apiserver: listening on ${apiServer.url}`);

    if (apiServer.insecureUrl) log(`apiserver: plain HTTP without authentication on ${apiServer.insecureUrl}`);

    const url = clientUrl('https', config.bindAddress, apiServer.port);
    await waitForReady(url, pki, READY_TIMEOUT_MS);
    log('apiserver: ready');

    const kubeconfigPath = await writeKubeconfig(config.dataDir, {
      server: url,
      caPem: pki.caCert,
      certPem: pki.adminCert,
      keyPem: pki.adminKey,
    });

    const ctx: ControlPlaneContext = { config, apiServer, kubeconfigPath, pki, log };
    for (const component of components) {
      const running = await component.start(ctx);
      cleanups.push(() => running.stop());
      log(`${component.name}: started`);
    }

    return { apiServer, kubeconfigPath, pki, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `/readyz` with the admin certificate until it answers 200. */
export async function waitForReady(url: string, pki: Pick<Pki, 'caCert' | 'adminCert' | 'adminKey'>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      const status = await getStatus(`${url}/readyz`, pki);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`the API server did not become ready within ${timeoutMs / 1000}s (/readyz: ${last})`);
}

function getStatus(url: string, pki: Pick<Pki, 'caCert' | 'adminCert' | 'adminKey'>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The addresses other machines can reach this one at, so the serving certificate is valid for them too. */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => a!.address);
}

/** The key that signs service account tokens, kept beside the certificates so tokens outlive a restart. */
async function ensureServiceAccountKey(dataDir: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { generateServiceAccountKeyPem } = await import('../apiserver/auth/service-account-token.ts');
  const { writeFileAtomic } = await import('../apiserver/auth/write-file-atomic.ts');
  const path = join(dataDir, 'pki', 'sa.key');
  try {
    return await readFile(path, 'utf8');
  } catch {
    const pem = generateServiceAccountKeyPem();
    await writeFileAtomic(path, pem, 0o600);
    return pem;
  }
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
