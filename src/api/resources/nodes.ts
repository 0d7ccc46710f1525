// core/v1 nodes: created by the kubelet with their status; podCIDR and providerID are
// write-once.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from '../validation/names.ts';
import { clone, ensureObject, equalJSON, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function defaultNode(node: any): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = clone(status.capacity);
  const spec = ensureObject(node, 'spec');
  if (spec.podCIDR && (!Array.isArray(spec.podCIDRs) || spec.podCIDRs.length === 0)) spec.podCIDRs = [spec.podCIDR];
}

function validateTaints(taints: any[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t: any, i: number) => {
    const p = `spec.taints[${i}]`;
    if (!t?.key) errs.push(fieldError.required(`${p}.key`));
    else for (const msg of isQualifiedName(t.key)) errs.push(fieldError.invalid(`${p}.key`, t.key, msg));
    if (t?.value) for (const msg of isValidLabelValue(t.value)) errs.push(fieldError.invalid(`${p}.value`, t.value, msg));
    if (!t?.effect) errs.push(fieldError.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(fieldError.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t?.key}:${t?.effect}`;
    if (seen.has(key)) {
      errs.push({
        type: 'FieldValueDuplicate',
        field: `spec.taints[${i}]`,
        message: `Duplicate value: core.Taint{Key:${JSON.stringify(t.key)}, Value:${JSON.stringify(t.value ?? '')}, Effect:${JSON.stringify(t.effect)}, TimeAdded:<nil>}: taints must be unique by key and effect pair`,
      });
    }
    seen.add(key);
  });
  return errs;
}

function validateNodeUpdate(node: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const oldCIDRs: string[] = old.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && !equalJSON(node.spec?.podCIDRs ?? [], oldCIDRs)) {
    errs.push(fieldError.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID) {
    errs.push(fieldError.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

function roles(node: any): string {
  const found = new Set<string>();
  for (const [k, v] of Object.entries<string>(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) found.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      found.add(v);
    }
  }
  return [...found].sort().join(',') || '<none>';
}

function nodeStatus(node: any): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function address(node: any, type: string): string {
  return (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
}

const validateMeta = metaValidator(false, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const nodes: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  resource: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  typeName: 'io.k8s.api.core.v1.Node',
  subresources: ['status', 'proxy'],
  strategy: {
    defaults: defaultNode,
    prepareForUpdate: keepOldStatus,
    validate: (node) => [...validateMeta(node), ...validateTaints(node.spec?.taints)],
    validateUpdate: (node, old) => [...validateMetaUpdate(node, old), ...validateNodeUpdate(node, old)],
    prepareForStatusUpdate: (node, old) => keepAllButStatus(node, old),
    validateStatusUpdate: (node, old) => validateMetaUpdate(node, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Status', 'string', 'The status of the node'),
        column('Roles', 'string', 'The roles of the node'),
        AGE_COLUMN,
        column('Version', 'string', 'Kubelet Version reported by the node.'),
        column('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
        column('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
        column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
        column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
      ],
      row(node, now) {
        const info = node.status?.nodeInfo ?? {};
        return [
          node.metadata?.name,
          nodeStatus(node),
          roles(node),
          age(node, now),
          info.kubeletVersion ?? '',
          address(node, 'InternalIP'),
          address(node, 'ExternalIP'),
          info.osImage || '<unknown>',
          info.kernelVersion || '<unknown>',
          info.containerRuntimeVersion || '<unknown>',
        ];
      },
    },
    fieldSelectors: {
      'spec.unschedulable': (node) => String(node.spec?.unschedulable === true),
    },
  },
};
