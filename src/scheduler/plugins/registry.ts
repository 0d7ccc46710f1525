// The in-tree plugins by name (upstream plugins/registry.go). Adding a plugin is one line
// here; the runtime never names one.

import type { PluginFactory } from '../framework/interfaces.ts';
import type { Registry } from '../framework/runtime.ts';
import { DefaultBinder, DEFAULT_BINDER, type BindFunction } from './default-binder/default-binder.ts';
import { DefaultPreemption, DEFAULT_PREEMPTION } from './default-preemption/default-preemption.ts';
import { ImageLocality, IMAGE_LOCALITY } from './image-locality/image-locality.ts';
import { InterPodAffinity, INTER_POD_AFFINITY } from './inter-pod-affinity/inter-pod-affinity.ts';
import { NodeAffinity, NODE_AFFINITY } from './node-affinity/node-affinity.ts';
import { NodeName, NODE_NAME } from './node-name/node-name.ts';
import { NodePorts, NODE_PORTS } from './node-ports/node-ports.ts';
import { NodeResourcesBalancedAllocation, NODE_RESOURCES_BALANCED_ALLOCATION } from './node-resources-balanced-allocation/node-resources-balanced-allocation.ts';
import { NodeResourcesFit, NODE_RESOURCES_FIT } from './node-resources-fit/node-resources-fit.ts';
import { NodeUnschedulable, NODE_UNSCHEDULABLE } from './node-unschedulable/node-unschedulable.ts';
import { PodTopologySpread, POD_TOPOLOGY_SPREAD } from './pod-topology-spread/pod-topology-spread.ts';
import { TaintToleration, TAINT_TOLERATION as TAINT_TOLERATION_NAME } from './taint-toleration/taint-toleration.ts';
import { SchedulingGates, SCHEDULING_GATES } from './scheduling-gates/scheduling-gates.ts';
import { VolumeBinding, VOLUME_BINDING, type VolumeBinderFunction } from './volume-binding/volume-binding.ts';
import { VolumeRestrictions, VOLUME_RESTRICTIONS } from './volume-restrictions/volume-restrictions.ts';

/** Side effects the shell supplies: the API writes for binding pods and volumes. */
export interface RegistryDeps {
  bind?: BindFunction;
  bindVolumes?: VolumeBinderFunction;
}

export function inTreeRegistry(deps: RegistryDeps = {}): Registry {
  const r = new Map<string, PluginFactory>();
  r.set(SCHEDULING_GATES, () => new SchedulingGates());
  r.set(NODE_UNSCHEDULABLE, () => new NodeUnschedulable());
  r.set(NODE_NAME, () => new NodeName());
  r.set(TAINT_TOLERATION_NAME, () => new TaintToleration());
  r.set(NODE_AFFINITY, () => new NodeAffinity());
  r.set(NODE_PORTS, () => new NodePorts());
  r.set(NODE_RESOURCES_FIT, (args) => new NodeResourcesFit(args as never));
  r.set(VOLUME_RESTRICTIONS, (_a, h) => new VolumeRestrictions(h));
  r.set(VOLUME_BINDING, (_a, h) => new VolumeBinding(h, deps.bindVolumes));
  r.set(POD_TOPOLOGY_SPREAD, (args, h) => new PodTopologySpread(h, args as never));
  r.set(INTER_POD_AFFINITY, (args, h) => new InterPodAffinity(h, args as never));
  r.set(DEFAULT_PREEMPTION, (args, h) => new DefaultPreemption(h, args as never));
  r.set(NODE_RESOURCES_BALANCED_ALLOCATION, (args) => new NodeResourcesBalancedAllocation(args as never));
  r.set(IMAGE_LOCALITY, (_a, h) => new ImageLocality(h));
  r.set(DEFAULT_BINDER, () => new DefaultBinder(deps.bind));
  // Queue sort is the scheduling queue's own PrioritySort; the name is accepted in configs.
  r.set('PrioritySort', () => ({ name: 'PrioritySort' }));
  return r;
}
