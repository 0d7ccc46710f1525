// Starts a real control plane for a test, the way `k8ts server` does (SQLite file in a temp
// data dir, TLS, admin kubeconfig, free loopback port), and runs the real kubectl against it.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type RunningControlPlane, type Component } from '../../src/cli/server.ts';

export interface TestCluster {
  dataDir: string;
  kubeconfig: string;
  url: string;
  plane: RunningControlPlane;
  /** Runs kubectl (default: the dispatcher /usr/bin/kubectl; `version: '1.31'` picks a binary). */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface KubectlOptions {
  version?: string;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectlBinary(version?: string): string {
  return version ? `/usr/lib/google-cloud-sdk/bin/kubectl.${version}` : '/usr/bin/kubectl';
}

export async function startTestCluster(opts: { components?: Component[] } = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'k8ts-test-'));
  const plane = await startControlPlane(
    {
      dataDir,
      port: 0,
      bindAddress: '127.0.0.1',
      datastoreEndpoints: [],
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      insecurePort: 0,
      tokenAuthFile: join(dataDir, 'tokens.csv'),
      tlsSans: [],
      simNodes: 0,
    },
    opts.components ?? [],
    process.env.K8TS_TEST_LOG ? (l) => console.error(l) : () => {},
  );
  const cacheDir = join(dataDir, 'kube-cache');
  const kubeconfig = plane.kubeconfigPath;
  const kubectl = (args: string[], o: KubectlOptions = {}) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(
        kubectlBinary(o.version),
        args,
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir, ...o.env },
          timeout: o.timeoutMs ?? 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (o.input !== undefined) child.stdin?.end(o.input);
      else child.stdin?.end();
    });
  return {
    dataDir,
    kubeconfig,
    url: plane.apiServer.url,
    plane,
    kubectl,
    stop: async () => {
      await plane.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** kubectl that must succeed; returns stdout. */
export async function mustKubectl(c: TestCluster, args: string[], opts?: KubectlOptions): Promise<string> {
  const r = await c.kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}
