// The admin kubeconfig (`<dataDir>/kubeconfig.yaml`), shaped as kubeadm's admin.conf:
// everything embedded as base64 data, so the file works when copied elsewhere.

import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from './write-file-atomic.ts';

export const CLUSTER_NAME = 'k8ts';
export const CONTEXT_NAME = 'k8ts';
export const USER_NAME = 'admin';

export interface KubeconfigInput {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** Absent for a plain-HTTP server (loopback, no credentials). */
  caPem?: string;
  /** Client certificate and key (PEM); either these or `token`, or both. */
  certPem?: string;
  keyPem?: string;
  token?: string;
}

export function buildKubeconfig(input: KubeconfigInput): string {
  const user: Record<string, string> = {};
  if (input.certPem && input.keyPem) {
    user['client-certificate-data'] = base64(input.certPem);
    user['client-key-data'] = base64(input.keyPem);
  }
  if (input.token) user.token = input.token;
  if (input.caPem && Object.keys(user).length === 0) throw new Error('a kubeconfig user needs a client certificate and key, or a token');
  const cluster: Record<string, string> = { server: input.server };
  if (input.caPem) cluster['certificate-authority-data'] = base64(input.caPem);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CLUSTER_NAME, user: USER_NAME } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
    users: [{ name: USER_NAME, user }],
  });
}

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig.yaml');
}

/** Writes `<dataDir>/kubeconfig.yaml` with mode 0600 and returns its path. */
export async function writeKubeconfig(dataDir: string, input: KubeconfigInput): Promise<string> {
  const path = kubeconfigPath(dataDir);
  await writeFileAtomic(path, buildKubeconfig(input), 0o600);
  return path;
}

/** The URL clients should use for a server bound to `bindAddress` (a wildcard means "this machine"). */
export function clientUrl(scheme: 'https' | 'http', bindAddress: string, port: number): string {
  const host = bindAddress === '0.0.0.0' || bindAddress === '' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
