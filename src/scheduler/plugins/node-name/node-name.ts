// NodeName: a pod that names its node (spec.nodeName) fits only that node.

import { Status, type ClusterEvent, type FilterPlugin, type NodeInfo } from '../../framework/interfaces.ts';
import type { Pod } from '../../framework/v1.ts';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;

  filter(_state: unknown, pod: Pod, nodeInfo: NodeInfo): Status {
    if (!pod.spec.nodeName || pod.spec.nodeName === nodeInfo.name) return Status.success();
    return Status.unresolvable(ERR_REASON_NODE_NAME);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }];
  }
}
