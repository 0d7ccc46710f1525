// Small helpers about object metadata shared by server and components.

import { randomUUID } from 'node:crypto';

export type { ObjectMeta, OwnerReference } from './types/meta-v1.ts';
import type { ObjectMeta, OwnerReference } from './types/meta-v1.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

let lastSecond = NaN;
let lastText = '';

/** RFC 3339 with second precision, as Kubernetes' metav1.Time serializes. */
export function nowRfc3339(date?: Date): string {
  // Formatted once per second: every write stamps a time (managedFields, creationTimestamp).
  const second = Math.floor((date ? date.getTime() : Date.now()) / 1000);
  if (second === lastSecond) return lastText;
  const iso = new Date(second * 1000).toISOString(); // ends in ".000Z"
  lastSecond = second;
  lastText = iso.slice(0, -5) + 'Z';
  return lastText;
}

/** RFC 3339 with microseconds, as metav1.MicroTime serializes. */
export function nowMicroTime(date: Date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

export function newUid(): string {
  return randomUUID();
}

// Upstream's generateName suffix alphabet: no vowels (no words), no confusable characters.
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return s;
}

/** Upstream caps the generateName prefix so that prefix + 5 random characters fit 63. */
export function generatedName(prefix: string): string {
  const maxPrefix = 63 - 5;
  return (prefix.length > maxPrefix ? prefix.slice(0, maxPrefix) : prefix) + generateNameSuffix();
}

export function namespacedKey(meta: { namespace?: string; name?: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : `${meta.name}`;
}

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}
