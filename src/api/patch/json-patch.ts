// RFC 6902 JSON Patch, as the API server applies `application/json-patch+json` bodies.
// Decoding problems are 400 BadRequest; a patch that does not apply to the document is 422,
// worded as upstream (which hides the detail; we keep it as the error's `cause`).

import { StatusError, badRequest } from '../errors.ts';
import { type JsonObject, type JsonValue, deepClone, deepEqual, isJsonObject } from './json-value.ts';

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test' | string;
  path: string;
  from?: string;
  value?: JsonValue;
}

/** Upstream caps the number of operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export const JSON_PATCH_REJECTED = 'the server rejected our request due to an error in our request';

/** Checks the shape of a decoded JSON patch body; throws 400/413 like upstream's DecodePatch. */
export function decodeJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) {
    const got = isJsonObject(body) ? 'object' : body === null ? 'null' : typeof body;
    throw badRequest(`json: cannot unmarshal ${got} into Go value of type jsonpatch.Patch`);
  }
  for (const op of body) {
    if (!isJsonObject(op)) {
      throw badRequest(`json: cannot unmarshal ${Array.isArray(op) ? 'array' : typeof op} into Go value of type jsonpatch.Operation`);
    }
  }
  if (body.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`,
    );
  }
  return body as unknown as JsonPatchOperation[];
}

/** Applies `ops` to a copy of `doc`; the input is never mutated. */
export function applyJsonPatch<T = JsonValue>(doc: T, ops: unknown): T {
  const operations = decodeJsonPatch(ops);
  let root = deepClone(doc) as unknown as JsonValue;
  for (const op of operations) {
    try {
      root = applyOne(root, op);
    } catch (err) {
      if (err instanceof PatchFailure) {
        const e = new StatusError(422, 'Invalid', JSON_PATCH_REJECTED);
        (e as Error).cause = new Error(err.message);
        throw e;
      }
      throw err;
    }
  }
  return root as unknown as T;
}

/** The specific reason a JSON patch failed, as evanphx/json-patch words it. */
export function jsonPatchFailureDetail(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err as Error).cause : undefined;
  return cause instanceof Error ? cause.message : undefined;
}

class PatchFailure extends Error {}

function applyOne(root: JsonValue, op: JsonPatchOperation): JsonValue {
  const kind = op.op;
  if (typeof op.path !== 'string') {
    throw new PatchFailure(kind === undefined ? 'Unexpected kind: <nil>' : `${kind} operation missing path field`);
  }
  switch (kind) {
    case 'add':
      if (!('value' in op)) throw new PatchFailure('add operation missing value field: missing value');
      return add(root, op.path, deepClone(op.value as JsonValue), 'add');
    case 'remove':
      return remove(root, op.path, 'remove').root;
    case 'replace': {
      if (!('value' in op)) throw new PatchFailure('replace operation missing value field: missing value');
      if (op.path === '') return deepClone(op.value as JsonValue);
      const { parent, key } = locate(root, op.path, 'replace');
      if (Array.isArray(parent)) {
        const i = arrayIndex(key, parent.length - 1, 'replace');
        parent[i] = deepClone(op.value as JsonValue);
      } else {
        if (!Object.prototype.hasOwnProperty.call(parent, key)) {
          throw new PatchFailure(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
        }
        parent[key] = deepClone(op.value as JsonValue);
      }
      return root;
    }
    case 'move': {
      if (typeof op.from !== 'string') throw new PatchFailure('move operation missing from field: missing value');
      if (op.path !== op.from && op.path.startsWith(op.from + '/')) {
        throw new PatchFailure(`move operation cannot move a value into one of its children: ${op.from} -> ${op.path}`);
      }
      const removed = remove(root, op.from, 'move');
      return add(removed.root, op.path, removed.value, 'move');
    }
    case 'copy': {
      if (typeof op.from !== 'string') throw new PatchFailure('copy operation missing from field: missing value');
      const value = get(root, op.from, 'copy');
      if (value === undefined) throw new PatchFailure(`copy operation does not apply: doc is missing from path: ${op.from}: missing value`);
      return add(root, op.path, deepClone(value), 'copy');
    }
    case 'test': {
      const actual = op.path === '' ? root : get(root, op.path, 'test');
      const expected = 'value' in op ? op.value : null;
      const same = actual === undefined ? expected === null || expected === undefined : deepEqual(actual, expected);
      if (!same) throw new PatchFailure(`testing value ${op.path} failed: test failed`);
      return root;
    }
    default:
      throw new PatchFailure(`Unexpected kind: ${String(kind)}`);
  }
}

/** RFC 6901: `/a/b~1c/~0d` → ['a', 'b/c', '~d']. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchFailure(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function locate(root: JsonValue, path: string, op: string): { parent: JsonObject | JsonValue[]; key: string } {
  const tokens = parseJsonPointer(path);
  if (tokens.length === 0) throw new PatchFailure(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  let cur: JsonValue = root;
  for (const t of tokens.slice(0, -1)) {
    let next: JsonValue | undefined;
    if (Array.isArray(cur)) {
      next = cur[arrayIndex(t, cur.length - 1, op)];
    } else if (isJsonObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) {
      next = cur[t];
    }
    if (next === undefined || next === null || (typeof next !== 'object')) {
      throw new PatchFailure(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    }
    cur = next;
  }
  if (!isJsonObject(cur) && !Array.isArray(cur)) {
    throw new PatchFailure(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function arrayIndex(token: string, max: number, _op: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new PatchFailure(`Unable to access invalid index: ${token}: invalid index referenced`);
  }
  const i = Number(token);
  if (i > max) throw new PatchFailure(`Unable to access invalid index: ${i}: invalid index referenced`);
  return i;
}

function get(root: JsonValue, path: string, op: string): JsonValue | undefined {
  if (path === '') return root;
  const { parent, key } = locate(root, path, op);
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= parent.length) return undefined;
    return parent[Number(key)];
  }
  return Object.prototype.hasOwnProperty.call(parent, key) ? parent[key] : undefined;
}

function add(root: JsonValue, path: string, value: JsonValue, op: string): JsonValue {
  if (path === '') return value;
  const { parent, key } = locate(root, path, op);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : arrayIndex(key, parent.length, op);
    parent.splice(i, 0, value);
  } else {
    parent[key] = value;
  }
  return root;
}

function remove(root: JsonValue, path: string, op: string): { root: JsonValue; value: JsonValue } {
  const { parent, key } = locate(root, path, op);
  if (Array.isArray(parent)) {
    const i = arrayIndex(key, parent.length - 1, op);
    const [value] = parent.splice(i, 1);
    return { root, value };
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw new PatchFailure(`Unable to remove nonexistent key: ${key}: missing value`);
  }
  const value = parent[key];
  delete parent[key];
  return { root, value };
}
