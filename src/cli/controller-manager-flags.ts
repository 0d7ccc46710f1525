// The flags of kube-controller-manager that k8ts honours, shared by `k8ts controller-manager`
// and `k8ts server` (which runs a controller manager in-process), and their translation into
// the controller manager component's options.

import { flag, type FlagValues } from './flags.ts';
import { nonNegative, positive, positiveDuration, fraction } from './validators.ts';

/**
 * Upstream's --concurrent-*-syncs flags with upstream's defaults. Kept here rather than read
 * from src/controllers so `--help` does not load every controller; a unit test checks that
 * both lists agree.
 */
export const CONCURRENCY_DEFAULTS: Record<string, { controller: string; workers: number }> = {
  'concurrent-replicaset-syncs': { controller: 'replicaset', workers: 5 },
  'concurrent-rc-syncs': { controller: 'replicationcontroller', workers: 5 },
  'concurrent-deployment-syncs': { controller: 'deployment', workers: 5 },
  'concurrent-gc-syncs': { controller: 'garbagecollector', workers: 20 },
  'concurrent-namespace-syncs': { controller: 'namespace', workers: 10 },
  'concurrent-endpoint-syncs': { controller: 'endpoint', workers: 5 },
  'concurrent-service-endpoint-syncs': { controller: 'endpointslice', workers: 5 },
  'mirroring-concurrent-service-endpoint-syncs': { controller: 'endpointslicemirroring', workers: 5 },
  'concurrent-job-syncs': { controller: 'job', workers: 5 },
  'concurrent-cron-job-syncs': { controller: 'cronjob', workers: 5 },
  'concurrent-ttl-after-finished-syncs': { controller: 'ttl-after-finished', workers: 5 },
  'concurrent-daemonset-syncs': { controller: 'daemonset', workers: 2 },
  'concurrent-statefulset-syncs': { controller: 'statefulset', workers: 5 },
  'concurrent-resource-quota-syncs': { controller: 'resourcequota', workers: 5 },
};

const concurrencyFlags = Object.fromEntries(
  Object.entries(CONCURRENCY_DEFAULTS).map(([name, { controller, workers }]) => [
    name,
    flag.int(`Objects the ${controller} controller syncs at once.`, workers, { validate: positive }),
  ]),
) as Record<string, ReturnType<typeof flag.int>>;

export const controllerManagerFlags = {
  controllers: flag.string('Controllers to run, as upstream: "*" for all, "-name" to leave one out (e.g. "*,-garbagecollector").', '*', {
    metavar: 'LIST',
  }),
  'node-monitor-period': flag.duration('How often the node lifecycle controller checks each node.', 5_000, { validate: positiveDuration }),
  'node-monitor-grace-period': flag.duration('How long a node may stay silent (no Lease renewal, no status) before it is marked Unknown and tainted unreachable.', 50_000, {
    validate: positiveDuration,
  }),
  'node-startup-grace-period': flag.duration('How long a newly registered node may take to report before it is marked Unknown.', 60_000, {
    validate: positiveDuration,
  }),
  'node-eviction-rate': flag.float('Nodes per second whose pods are evicted (NoExecute taint) in a healthy zone.', 0.1, { validate: nonNegative }),
  'secondary-node-eviction-rate': flag.float('Nodes per second whose pods are evicted in an unhealthy zone of a large cluster.', 0.01, {
    validate: nonNegative,
  }),
  'unhealthy-zone-threshold': flag.float('Share of not-Ready nodes from which a zone counts as unhealthy.', 0.55, { validate: fraction }),
  'large-cluster-size-threshold': flag.int('Nodes from which a cluster counts as large for the eviction rates.', 50, { validate: nonNegative }),
  'terminated-pod-gc-threshold': flag.int('Terminated pods kept before the pod garbage collector deletes the oldest (0: never).', 12_500, {
    validate: nonNegative,
  }),
  ...concurrencyFlags,
};

export type ControllerManagerFlagValues = FlagValues<typeof controllerManagerFlags>;

/** The `controllerManagerComponent` options these flags ask for (without leader election). */
export interface ControllerManagerSettings {
  controllers: string;
  workers: Record<string, number>;
  config: {
    nodeMonitorPeriodMs: number;
    nodeMonitorGracePeriodMs: number;
    nodeStartupGracePeriodMs: number;
    nodeEvictionRate: number;
    secondaryNodeEvictionRate: number;
    unhealthyZoneThreshold: number;
    largeClusterSizeThreshold: number;
    terminatedPodGCThreshold: number;
  };
}

/** `workersFromFlags` is src/controllers' mapping from --concurrent-*-syncs to controller names. */
export function toControllerManagerSettings(
  values: ControllerManagerFlagValues,
  workersFromFlags: (values: Record<string, unknown>) => Record<string, number>,
): ControllerManagerSettings {
  return {
    controllers: values.controllers,
    workers: workersFromFlags(values),
    config: {
      nodeMonitorPeriodMs: values['node-monitor-period'],
      nodeMonitorGracePeriodMs: values['node-monitor-grace-period'],
      nodeStartupGracePeriodMs: values['node-startup-grace-period'],
      nodeEvictionRate: values['node-eviction-rate'],
      secondaryNodeEvictionRate: values['secondary-node-eviction-rate'],
      unhealthyZoneThreshold: values['unhealthy-zone-threshold'],
      largeClusterSizeThreshold: values['large-cluster-size-threshold'],
      terminatedPodGCThreshold: values['terminated-pod-gc-threshold'],
    },
  };
}
