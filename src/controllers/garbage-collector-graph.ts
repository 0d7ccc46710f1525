// The garbage collector's picture of ownership (upstream's GraphBuilder graph): one node per
// object uid, edges from owner to dependents taken from ownerReferences. An owner named by a
// reference but not (yet) seen by any informer is a "virtual" node until it is confirmed or
// found absent.

import type { OwnerReference } from '../api/meta.ts';
import type { DiscoveredResource } from './controller-utils.ts';

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  uid: string;
}

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** Known only from a dependent's ownerReference, not from an informer. */
  virtual = false;
  /** deletionTimestamp is set. */
  beingDeleted = false;
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents = false;
  /** Resource, when seen through an informer. */
  resource?: DiscoveredResource;

  constructor(public identity: ObjectIdentity) {}

  /** Dependents whose reference to this node has blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((d) => d.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion));
  }
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /**
   * Adds a node or refreshes its owners; answers owners newly referenced but not observed
   * (the caller verifies they exist) and the owners no longer referenced.
   */
  upsert(identity: ObjectIdentity, owners: OwnerReference[]): { node: GraphNode; newVirtualOwners: GraphNode[]; removedOwners: GraphNode[] } {
    let node = this.nodes.get(identity.uid);
    if (!node) {
      node = new GraphNode(identity);
      this.nodes.set(identity.uid, node);
    } else {
      node.identity = identity;
    }
    node.virtual = false;
    const before = new Set(node.owners.map((r) => r.uid));
    const after = new Set(owners.map((r) => r.uid));
    const newVirtualOwners: GraphNode[] = [];
    const removedOwners: GraphNode[] = [];
    for (const ref of owners) {
      let owner = this.nodes.get(ref.uid);
      if (!owner) {
        // Cluster-scoped owners are fixed up once observed; a namespaced owner lives in the dependent's namespace.
        owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace: identity.namespace, uid: ref.uid });
        owner.virtual = true;
        this.nodes.set(ref.uid, owner);
      }
      if (owner.virtual && !before.has(ref.uid)) newVirtualOwners.push(owner);
      owner.dependents.add(node);
    }
    for (const uid of before) {
      if (after.has(uid)) continue;
      const owner = this.nodes.get(uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      removedOwners.push(owner);
    }
    node.owners = owners;
    return { node, newVirtualOwners, removedOwners };
  }

  /** Removes a node; answers its dependents and owners (the caller requeues them). */
  remove(uid: string): { dependents: GraphNode[]; owners: GraphNode[] } {
    const node = this.nodes.get(uid);
    if (!node) return { dependents: [], owners: [] };
    this.nodes.delete(uid);
    const owners: GraphNode[] = [];
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      owners.push(owner);
      // A virtual owner nobody points at any more is forgotten.
      if (owner.virtual && owner.dependents.size === 0) this.nodes.delete(owner.identity.uid);
    }
    const dependents = [...node.dependents];
    // Dependents keep pointing at the uid; keep a virtual stand-in so they can be found again.
    if (dependents.length > 0) {
      const ghost = new GraphNode(node.identity);
      ghost.virtual = true;
      for (const d of dependents) ghost.dependents.add(d);
      this.nodes.set(uid, ghost);
    }
    return { dependents, owners };
  }
}
