// The flags of the commands that run one component against an existing cluster
// (`k8ts controller-manager`, `k8ts scheduler`, `k8ts sim`), named as upstream's binaries
// (and, for simulated nodes, the kubelet) name them.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { controllerManagerFlags } from './controller-manager-flags.ts';
import { flag, UsageError, type FlagValues } from './flags.ts';
import { defaultDataDir } from './server-flags.ts';
import { existingFile, ipAddress, nonNegative, podCidrRange, portNumber, positive, positiveDuration, quantity } from './validators.ts';

const kubeconfigFlag = flag.string('Kubeconfig of the cluster to join (e.g. the one `k8ts apiserver` writes).', '', {
  metavar: 'FILE',
  defaultText: '$KUBECONFIG, else ~/.k8ts/kubeconfig.yaml',
});

export const controllerManagerCommandFlags = {
  kubeconfig: kubeconfigFlag,
  'leader-elect': flag.bool('Campaign for the kube-system/kube-controller-manager Lease and run controllers only while leading.', true),
  'kube-api-qps': flag.float('Requests per second to the API server, on average (0: no limit; upstream defaults to 20).', 0, { validate: nonNegative }),
  'kube-api-burst': flag.int('Requests to the API server allowed in a burst above --kube-api-qps.', 30, { validate: positive }),
  ...controllerManagerFlags,
};

export const schedulerCommandFlags = {
  kubeconfig: kubeconfigFlag,
  config: flag.string('KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): profiles, plugins, percentageOfNodesToScore.', '', {
    metavar: 'FILE',
    validate: existingFile,
  }),
  'leader-elect': flag.bool('Campaign for a Lease (kube-system/kube-scheduler) and schedule only while leading.', true),
  'leader-elect-lease-duration': flag.duration('How long a leader holds the Lease without renewing it before others may take it.', 15_000, { validate: positiveDuration }),
  'leader-elect-renew-deadline': flag.duration('How long the leader keeps trying to renew before it stops leading.', 10_000, { validate: positiveDuration }),
  'leader-elect-retry-period': flag.duration('How often candidates try to acquire or renew the Lease.', 2_000, { validate: positiveDuration }),
  'leader-elect-resource-namespace': flag.string('Namespace of the Lease.', 'kube-system', { metavar: 'NAMESPACE' }),
  'leader-elect-resource-name': flag.string('Name of the Lease (give each scheduler of a cluster its own).', 'kube-scheduler', { metavar: 'NAME' }),
  port: flag.int('Serve /healthz, /livez, /readyz and /metrics over plain HTTP on this port (0: do not serve).', 10251, {
    validate: portNumber('does not serve them'),
  }),
  'bind-address': flag.string('IP address /healthz and /metrics are served on.', '127.0.0.1', { metavar: 'IP', validate: ipAddress }),
};

export const simCommandFlags = {
  kubeconfig: kubeconfigFlag,
  nodes: flag.int('Simulated nodes to register and keep alive.', 1, { validate: positive }),
  'node-name-prefix': flag.string('Nodes are named <prefix>-<index>.', 'sim-node', { metavar: 'PREFIX', validate: dnsLabel }),
  'first-node-index': flag.int('Index of the first node (names, pod CIDRs, IPs); give each sim process its own range.', 0, {
    validate: nonNegative,
  }),
  zones: flag.int('Spread nodes round-robin over this many zones (topology.kubernetes.io/zone zone-a, zone-b…; 0: no zone label).', 3, {
    validate: nonNegative,
  }),
  'cluster-cidr': flag.string('Pod CIDRs are the /24 subnets of this range, one per node index.', '10.128.0.0/9', { metavar: 'CIDR', validate: podCidrRange }),
  cpu: flag.string('CPU capacity of each node.', '4', { metavar: 'QUANTITY', validate: quantity }),
  memory: flag.string('Memory capacity of each node.', '32Gi', { metavar: 'QUANTITY', validate: quantity }),
  'max-pods': flag.int('Pods each node holds (status.capacity.pods).', 110, { validate: positive }),
  'node-labels': flag.list('Extra labels key=value for every node; repeat or separate with commas.', { metavar: 'KEY=VALUE', validate: labels }),
  'register-with-taints': flag.list('Taints key=value:Effect (or key:Effect) every node registers with.', { metavar: 'TAINT', validate: taints }),
  'heartbeat-interval': flag.duration('How often each node renews its Lease in kube-node-lease (kubelet: 10s).', 10_000, { validate: positiveDuration }),
  'pod-start-delay': flag.duration('Delay between a pod being bound and it being reported Running.', 0, { validate: (ms) => nonNegative(ms) }),
};

export type ControllerManagerCommandValues = FlagValues<typeof controllerManagerCommandFlags>;
export type SchedulerCommandValues = FlagValues<typeof schedulerCommandFlags>;
export type SimCommandValues = FlagValues<typeof simCommandFlags>;

/** `--kubeconfig`, else $KUBECONFIG, else the kubeconfig a default `k8ts server` writes; it must exist. */
export function kubeconfigFrom(given: string, command: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = resolve(given || env.KUBECONFIG?.split(':')[0] || join(defaultDataDir(), 'kubeconfig.yaml'));
  if (!existsSync(path)) {
    throw new UsageError(`${command}: no kubeconfig at ${path} (start \`k8ts apiserver\` first, or pass --kubeconfig FILE)`);
  }
  return path;
}

/** The rate limit of the controller manager's client; absent: none. */
export function toClientLimits(values: ControllerManagerCommandValues): { qps?: number; burst?: number } {
  return values['kube-api-qps'] > 0 ? { qps: values['kube-api-qps'], burst: values['kube-api-burst'] } : {};
}

/** The scheduler component's options (src/scheduler/component.ts) for these flags. */
export function toSchedulerOptions(values: SchedulerCommandValues) {
  return {
    configPath: values.config ? resolve(values.config) : undefined,
    leaderElection: values['leader-elect']
      ? {
          namespace: values['leader-elect-resource-namespace'],
          name: values['leader-elect-resource-name'],
          leaseDurationMs: values['leader-elect-lease-duration'],
          renewDeadlineMs: values['leader-elect-renew-deadline'],
          retryPeriodMs: values['leader-elect-retry-period'],
        }
      : (false as const),
    port: values.port > 0 ? values.port : undefined,
    bindAddress: values['bind-address'],
  };
}

export type SimTaint = { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' };

/** The simulated nodes' options (src/sim/sim-nodes.ts) for these flags. */
export function toSimNodesOptions(values: SimCommandValues) {
  return {
    count: values.nodes,
    namePrefix: values['node-name-prefix'],
    firstIndex: values['first-node-index'],
    clusterCIDR: values['cluster-cidr'],
    heartbeatIntervalMs: values['heartbeat-interval'],
    podStartDelayMs: values['pod-start-delay'],
    shape: {
      cpu: values.cpu,
      memory: values.memory,
      pods: values['max-pods'],
      zones: zoneNames(values.zones),
      labels: Object.fromEntries(values['node-labels'].map((l) => splitOnce(l, '='))),
      taints: values['register-with-taints'].map(parseTaint),
    },
  };
}

/** zone-a, zone-b, … (zone-26, zone-27 … past the alphabet). */
export function zoneNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (count <= 26 ? `zone-${String.fromCharCode(97 + i)}` : `zone-${i}`));
}

const TAINT = /^([A-Za-z0-9][-A-Za-z0-9_./]*)(?:=([-A-Za-z0-9_.]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;

function parseTaint(text: string): SimTaint {
  const m = TAINT.exec(text)!;
  return m[2] === undefined ? { key: m[1]!, effect: m[3] as SimTaint['effect'] } : { key: m[1]!, value: m[2], effect: m[3] as SimTaint['effect'] };
}

function taints(list: string[]): string | undefined {
  const bad = list.find((t) => !TAINT.test(t));
  return bad === undefined ? undefined : `"${bad}" is not a taint key=value:Effect (e.g. dedicated=sim:NoSchedule; effects NoSchedule, PreferNoSchedule, NoExecute)`;
}

function labels(list: string[]): string | undefined {
  const bad = list.find((l) => !/^[A-Za-z0-9][-A-Za-z0-9_./]*=[-A-Za-z0-9_.]*$/.test(l));
  return bad === undefined ? undefined : `"${bad}" is not a label key=value (e.g. disktype=ssd)`;
}

function dnsLabel(prefix: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(prefix) ? undefined : 'must be lower-case letters, digits and dashes (e.g. sim-node)';
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return [text.slice(0, i), text.slice(i + 1)];
}
