// The flags of `k8ts server` and `k8ts apiserver`, named as kube-apiserver and k3s name them
// (plus kube-controller-manager's, for the controller manager `k8ts server` runs), and their
// translation into a ControlPlaneConfig.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { controllerManagerFlags } from './controller-manager-flags.ts';
import { flag, type FlagValues } from './flags.ts';
import type { ControlPlaneConfig } from './server.ts';
import { cidr, ipAddress, nonNegative, portNumber, portRange, positiveDuration } from './validators.ts';

export const apiserverFlags = {
  'data-dir': flag.string('Directory for the state database, certificates and kubeconfig.', '', {
    metavar: 'DIR',
    defaultText: '~/.k8ts',
  }),
  port: flag.int('HTTPS port of the API server.', 6443, { validate: portNumber('picks a free port') }),
  'bind-address': flag.string('IP address the API server listens on (0.0.0.0: all interfaces).', '0.0.0.0', {
    metavar: 'IP',
    validate: ipAddress,
  }),
  'datastore-endpoint': flag.list('etcd endpoint (http://HOST:2379) to keep state in instead of SQLite; repeat for several.', {
    metavar: 'URL',
    validate: (urls) => urls.map(endpoint).find((problem) => problem !== undefined),
  }),
  'service-cluster-ip-range': flag.string('CIDR range Service ClusterIPs are allocated from.', '10.96.0.0/12', {
    metavar: 'CIDR',
    validate: cidr,
  }),
  'service-node-port-range': flag.string('Port range reserved for NodePort Services.', '30000-32767', {
    metavar: 'RANGE',
    validate: portRange,
  }),
  'insecure-port': flag.int('Also serve plain HTTP on 127.0.0.1 at this port, without authentication (0: off).', 0, {
    validate: portNumber('turns it off'),
  }),
  'token-auth-file': flag.string('File of static bearer tokens, lines of token,user,uid,"group1,group2".', '', {
    metavar: 'FILE',
    defaultText: '<data-dir>/tokens.csv',
  }),
  'tls-san': flag.list('Extra DNS name or IP for the serving certificate; repeat for several.', { metavar: 'NAME' }),
};

export const serverFlags = {
  ...apiserverFlags,
  'sim-nodes': flag.int('Simulated nodes to run in this process (KWOK-like, for trying things out and scale tests).', 0, { validate: nonNegative }),
  'sim-heartbeat-interval': flag.duration('How often each simulated node renews its Lease (kubelet: 10s); keep it below --node-monitor-grace-period.', 10_000, {
    validate: positiveDuration,
  }),
  ...controllerManagerFlags,
};

export type ApiserverFlagValues = FlagValues<typeof apiserverFlags>;
export type ServerFlagValues = FlagValues<typeof serverFlags>;

export function defaultDataDir(): string {
  return join(homedir(), '.k8ts');
}

export function toControlPlaneConfig(values: ApiserverFlagValues & { 'sim-nodes'?: number }): ControlPlaneConfig {
  const dataDir = resolve(values['data-dir'] || defaultDataDir());
  return {
    dataDir,
    port: values.port,
    bindAddress: values['bind-address'],
    datastoreEndpoints: values['datastore-endpoint'],
    serviceClusterIPRange: values['service-cluster-ip-range'],
    serviceNodePortRange: values['service-node-port-range'],
    insecurePort: values['insecure-port'],
    tokenAuthFile: values['token-auth-file'] ? resolve(values['token-auth-file']) : join(dataDir, 'tokens.csv'),
    tlsSans: values['tls-san'],
    simNodes: values['sim-nodes'] ?? 0,
  };
}

function endpoint(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return undefined;
  } catch {
    // fall through
  }
  return `"${url}" is not an etcd endpoint URL (e.g. http://127.0.0.1:2379)`;
}
