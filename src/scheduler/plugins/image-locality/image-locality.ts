// ImageLocality: prefers nodes that already have the pod's images, weighing each image's
// size by how many nodes have it (so one node with a popular image does not win every pod).

import { MAX_NODE_SCORE, type CycleState, type Handle, type NodeInfo, type ScorePlugin } from '../../framework/interfaces.ts';
import { normalizeImageName } from '../../framework/node-info.ts';
import type { Pod } from '../../framework/v1.ts';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export class ImageLocality implements ScorePlugin {
  readonly name = IMAGE_LOCALITY;
  /** The last pod scored and its containers' normalized images (score runs once per node). */
  private lastPod: Pod | undefined;
  private images: (string | undefined)[] = [];

  constructor(private readonly handle: Handle) {}

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    if (pod !== this.lastPod) {
      this.lastPod = pod;
      this.images = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => (c.image ? normalizeImageName(c.image) : undefined));
    }
    let sum = 0;
    if (nodeInfo.imageSizes.size > 0) {
      const snapshot = this.handle.snapshot();
      const totalNodes = snapshot.list().length;
      for (const image of this.images) {
        if (image === undefined || totalNodes === 0) continue;
        const size = nodeInfo.imageSizes.get(image);
        if (size === undefined) continue;
        sum += Math.trunc(size * (snapshot.imageNumNodes(image) / totalNodes));
      }
    }
    return calculatePriority(sum, this.images.length);
  }
}

function calculatePriority(sum: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
  else if (sum > maxThreshold) sum = maxThreshold;
  if (maxThreshold <= MIN_THRESHOLD) return 0;
  return Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}
