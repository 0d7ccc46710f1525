// Where the cluster is and who we are: from a kubeconfig file, from the pod's service
// account (in-cluster), or from parts given directly.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ClientConfig {
  /** Base URL of the API server, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** PEM of the CA that signs the server's certificate. */
  ca?: string;
  /** PEM client certificate and key for x509 authentication. */
  cert?: string;
  key?: string;
  token?: string;
  username?: string;
  password?: string;
  insecureSkipTLSVerify?: boolean;
  /** Name the TLS server certificate must carry, when it differs from the URL's host. */
  tlsServerName?: string;
  /** The namespace of the selected context, when it names one. */
  namespace?: string;
}

export interface ConfigParts {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
}

/** A config from parts given directly; PEM strings are taken as they are. */
export function configFromParts(parts: ConfigParts): ClientConfig {
  if (!parts.server) throw new Error('client config: server is required');
  return { ...parts, server: trimSlash(parts.server) };
}

interface NamedEntry<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
}

interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: NamedEntry<KubeconfigCluster>[];
  users?: NamedEntry<KubeconfigUser>[];
  contexts?: NamedEntry<KubeconfigContext>[];
}

/** `$KUBECONFIG`'s first entry, else `~/.kube/config`, as kubectl looks. */
export function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG;
  if (env) {
    const first = env.split(delimiter).find((p) => p.length > 0);
    if (first) return first;
  }
  return join(homedir(), '.kube', 'config');
}

export interface LoadKubeconfigOptions {
  /** A context other than `current-context`. */
  context?: string;
}

/** Reads a kubeconfig file; relative file paths in it are relative to the file. */
export function loadKubeconfig(path: string = defaultKubeconfigPath(), opts: LoadKubeconfigOptions = {}): ClientConfig {
  const text = readFileSync(path, 'utf8');
  return parseKubeconfig(text, dirname(resolve(path)), opts);
}

/** Parses kubeconfig YAML; `baseDir` resolves relative certificate and token file paths. */
export function parseKubeconfig(text: string, baseDir: string, opts: LoadKubeconfigOptions = {}): ClientConfig {
  const file = (parseYaml(text) ?? {}) as KubeconfigFile;
  const contextName = opts.context ?? file['current-context'];
  if (!contextName) throw new Error('kubeconfig: no current-context is set');
  const context = findNamed(file.contexts, contextName, 'context')?.context ?? {};
  if (!context.cluster) throw new Error(`kubeconfig: context "${contextName}" names no cluster`);
  const cluster = findNamed(file.clusters, context.cluster, 'cluster')?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig: cluster "${context.cluster}" has no server`);
  const user: KubeconfigUser = context.user ? (findNamed(file.users, context.user, 'user')?.user ?? {}) : {};

  const fromFile = (p: string) => readFileSync(isAbsolute(p) ? p : join(baseDir, p), 'utf8');
  const pem = (data: string | undefined, file: string | undefined): string | undefined => {
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    if (file) return fromFile(file);
    return undefined;
  };

  const config: ClientConfig = { server: trimSlash(cluster.server) };
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) config.ca = ca;
  if (cluster['insecure-skip-tls-verify']) config.insecureSkipTLSVerify = true;
  if (cluster['tls-server-name']) config.tlsServerName = cluster['tls-server-name'];
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  if (cert) config.cert = cert;
  if (key) config.key = key;
  if (user.token) config.token = user.token;
  else if (user.tokenFile) config.token = fromFile(user.tokenFile).trim();
  if (user.username) config.username = user.username;
  if (user.password) config.password = user.password;
  if (context.namespace) config.namespace = context.namespace;
  return config;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The config a pod gets from its service account token and the KUBERNETES_SERVICE_* env. */
export function inClusterConfig(dir: string = SERVICE_ACCOUNT_DIR): ClientConfig {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const config: ClientConfig = {
    server: `https://${hostPart}:${port}`,
    token: readFileSync(join(dir, 'token'), 'utf8').trim(),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
  };
  try {
    config.namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim();
  } catch {
    // the namespace file is optional
  }
  return config;
}

function findNamed<T>(list: NamedEntry<T>[] | undefined, name: string, what: string): NamedEntry<T> | undefined {
  const entry = (list ?? []).find((e) => e.name === name);
  if (!entry) throw new Error(`kubeconfig: ${what} "${name}" not found`);
  return entry;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
