// A control plane inside the calling process, for tests of operators and other clients:
// a real API server on a free loopback port over SQLite in memory (or a file), with TLS
// and an admin client-certificate kubeconfig, optionally with the controller manager,
// the scheduler and simulated nodes. What envtest does with etcd and kube-apiserver
// binaries, without binaries and in well under a second.

import { cleanupStack } from '../cli/cleanup-stack.ts';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Component, ControlPlaneConfig, ControlPlaneContext } from '../cli/server.ts';
import type { Store } from '../storage/store.ts';
import type { BuiltinComponentOptions } from './components.ts';
import { embeddedPki } from './certificates.ts';

export interface ControlPlaneOptions extends BuiltinComponentOptions {
  /**
   * Default 'memory' (SQLite in memory: the same store, without the fsyncs that make every
   * write durable). 'temp-file': a SQLite file in the temp dir; `{ sqlitePath }`: that file,
   * kept after stop().
   */
  storage?: 'memory' | 'temp-file' | { sqlitePath: string };
  /** Plain HTTP without authentication (every request is a cluster admin); default false: HTTPS with a client certificate. */
  insecure?: boolean;
  /** More components to run beside the API server, after the built-in ones (see `Component` in src/cli/server.ts). */
  components?: Component[];
  /** Default 10.96.0.0/12. */
  serviceClusterIPRange?: string;
  /** Default 30000-32767. */
  serviceNodePortRange?: string;
  /** Progress lines of the API server and the components; default silent. */
  log?: (line: string) => void;
}

export interface EmbeddedControlPlane {
  /** e.g. https://127.0.0.1:41231 */
  url: string;
  /** Admin kubeconfig (YAML) for this control plane; load it with `KubeConfig.loadFromString`. */
  kubeconfig: string;
  /** The same kubeconfig as a file (for kubectl and other processes). */
  kubeconfigPath: string;
  /** Temp dir holding the kubeconfig (and the SQLite file with storage 'temp-file'); removed by stop(). */
  dataDir: string;
  /** The store under the API server, for tests that look beneath the API. */
  store: Store;
  /** Stops the components (newest first), the API server and the store, and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_SERVICE_RANGE = '10.96.0.0/12';
const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<EmbeddedControlPlane> {
  const log = options.log ?? (() => {});
  const storage = options.storage ?? 'memory';
  const cleanups = cleanupStack(log);
  const stop = cleanups.stop;

  try {
    const extraComponents = options.components ?? [];
    const wantsComponents = extraComponents.length > 0 || Boolean(options.controllers || options.scheduler || options.simNodes);
    const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-embed-'));
    const keepUntilExit = removeAtExit(dataDir);
    cleanups.push(async () => {
      keepUntilExit();
      await rm(dataDir, { recursive: true, force: true });
    });
    // Nothing heavy is loaded at import time. Independent and mostly I/O: loading the API
    // server's modules and reading the cached certificates overlap.
    const [{ startApiServer }, { openStore }, { createAuthenticator }, { buildKubeconfig }, pki, components] = await Promise.all([
      import('../apiserver/server.ts'),
      import('../storage/open.ts'),
      import('../apiserver/auth/authn.ts'),
      import('../apiserver/auth/kubeconfig.ts'),
      !options.insecure || wantsComponents ? embeddedPki() : Promise.resolve(undefined),
      wantsComponents ? import('./components.ts').then(({ builtinComponents }) => builtinComponents(options)) : Promise.resolve([]),
    ]);

    const sqlitePath = storage === 'memory' ? ':memory:' : storage === 'temp-file' ? join(dataDir, 'state.db') : storage.sqlitePath;
    const store = await openStore({ sqlitePath, compaction: false });
    cleanups.push(() => store.close());

    const serviceClusterIPRange = options.serviceClusterIPRange ?? DEFAULT_SERVICE_RANGE;
    const serviceNodePortRange = options.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE;
    const tls = !options.insecure && pki ? pki : undefined;
    const apiServer = await startApiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      tls: tls && { key: tls.serverKey, cert: tls.serverCert, ca: tls.caCert },
      authenticate: tls && createAuthenticator({ caPem: tls.caCert, onRejected: (why) => log(`authentication: refused: ${why}`) }),
      serviceClusterIPRange,
      serviceNodePortRange,
      log: (line) => log(`apiserver: ${line}`),
    });
    cleanups.push(() => apiServer.close());
    // startApiServer resolves once the bootstrap objects exist, i.e. when /readyz turns 200.

    const kubeconfig = buildKubeconfig(tls ? { server: apiServer.url, caPem: tls.caCert, certPem: tls.adminCert, keyPem: tls.adminKey } : { server: apiServer.url });
    const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

    if (wantsComponents) {
      const ctx: ControlPlaneContext = {
        config: controlPlaneConfig(dataDir, serviceClusterIPRange, serviceNodePortRange, options),
        apiServer,
        kubeconfigPath,
        pki: pki!, // loaded whenever there are components
        log,
      };
      for (const component of [...components, ...extraComponents]) {
        const running = await component.start(ctx);
        cleanups.push(() => running.stop());
        log(`${component.name}: started`);
      }
    }

    return { url: apiServer.url, kubeconfig, kubeconfigPath, dataDir, store, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What a `k8ts server` component expects to find in its context, for this embedded instance. */
function controlPlaneConfig(dataDir: string, serviceClusterIPRange: string, serviceNodePortRange: string, options: ControlPlaneOptions): ControlPlaneConfig {
  return {
    dataDir,
    port: 0,
    bindAddress: '127.0.0.1',
    datastoreEndpoints: [],
    serviceClusterIPRange,
    serviceNodePortRange,
    insecurePort: 0,
    tokenAuthFile: '',
    tlsSans: [],
    simNodes: typeof options.simNodes === 'number' ? options.simNodes : (options.simNodes?.count ?? 0),
  };
}

const dirsToRemoveAtExit = new Set<string>();

/**
 * The temp dir holds the admin key (in the kubeconfig): if the process exits without
 * stop(), it is removed anyway. Returns the function that forgets it once stop() has run.
 */
function removeAtExit(dir: string): () => void {
  if (dirsToRemoveAtExit.size === 0) process.once('exit', removeRemainingDirs);
  dirsToRemoveAtExit.add(dir);
  return () => {
    dirsToRemoveAtExit.delete(dir);
    if (dirsToRemoveAtExit.size === 0) process.removeListener('exit', removeRemainingDirs);
  };
}

function removeRemainingDirs(): void {
  for (const dir of dirsToRemoveAtExit) rmSync(dir, { recursive: true, force: true });
}
