// NodePorts: a pod's host ports must be free on the node (0.0.0.0 conflicts with any IP).

import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type NodeInfo, type PreFilterPlugin } from '../../framework/interfaces.ts';
import { hostPortsOf, type HostPort } from '../../framework/pod-info.ts';
import type { Pod } from '../../framework/v1.ts';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const STATE_KEY = 'PreFilter' + NODE_PORTS;

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const ports = hostPortsOf(pod);
    if (!ports.length) return { status: Status.skip() };
    state.write(STATE_KEY, ports);
    return { status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const ports = state.read<HostPort[]>(STATE_KEY) ?? hostPortsOf(pod);
    for (const p of ports) if (nodeInfo.portConflicts(p)) return Status.unschedulable(ERR_REASON_PORTS);
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
