// A set of field paths, kept as a trie keyed by path elements in their fieldsV1 spelling:
// `f:<field>` (struct field or map key), `k:{"name":"c"}` (list-map item by its keys),
// `v:<json>` (set item by value), `i:<n>` (item by index). A node is a member when the path
// ending there is in the set; its children hold longer paths. This is upstream's
// structured-merge-diff fieldpath.Set, and its JSON form is metadata.managedFields[].fieldsV1.

export class FieldSet {
  member = false;
  children: Map<string, FieldSet> | undefined;

  child(key: string): FieldSet | undefined {
    return this.children?.get(key);
  }

  /** The child node for `key`, created when missing. */
  at(key: string): FieldSet {
    this.children ??= new Map();
    let c = this.children.get(key);
    if (!c) {
      c = new FieldSet();
      this.children.set(key, c);
    }
    return c;
  }

  insert(path: string[]): void {
    let n: FieldSet = this;
    for (const k of path) n = n.at(k);
    n.member = true;
  }

  has(path: string[]): boolean {
    let n: FieldSet | undefined = this;
    for (const k of path) {
      n = n.child(k);
      if (!n) return false;
    }
    return n.member;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    if (this.children) for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Drops child nodes that hold no member (after removals). */
  private compact(): this {
    if (this.children) {
      for (const [k, c] of this.children) if (c.isEmpty()) this.children.delete(k);
      if (this.children.size === 0) this.children = undefined;
    }
    return this;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    if (this.children) {
      out.children = new Map();
      for (const [k, c] of this.children) out.children.set(k, c.clone());
    }
    return out;
  }

  union(other: FieldSet): FieldSet {
    if (!other.member && !other.children) return this;
    if (!this.member && !this.children) return other;
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  /** The node at `path`, created when missing (for building a set). */
  nodeAt(path: string[]): FieldSet {
    let n: FieldSet = this;
    for (const k of path) n = n.at(k);
    return n;
  }

  /** Adds every member of `other` to this set, in place (this set must not be shared). */
  addAll(other: FieldSet): void {
    if (other.member) this.member = true;
    if (other.children) for (const [k, c] of other.children) this.at(k).addAll(c);
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    if (this.children && other.children) {
      for (const [k, c] of this.children) {
        const o = other.children.get(k);
        if (!o) continue;
        const i = c.intersection(o);
        if (!i.isEmpty()) out.at(k).addAll(i);
      }
    }
    return out;
  }

  intersects(other: FieldSet): boolean {
    if (this.member && other.member) return true;
    if (!this.children || !other.children) return false;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (o && c.intersects(o)) return true;
    }
    return false;
  }

  /**
   * The members of this set that are not members of `other` (exact paths only). Sets are
   * treated as values: subtrees `other` does not touch are shared, not copied.
   */
  difference(other: FieldSet): FieldSet {
    if (!other.member && !other.children) return this;
    const out = new FieldSet();
    out.member = this.member && !other.member;
    if (this.children) {
      for (const [k, c] of this.children) {
        const o = other.children?.get(k);
        const d = o ? c.difference(o) : c;
        if (d === c || !d.isEmpty()) (out.children ??= new Map()).set(k, d);
      }
    }
    return out;
  }

  /** Like difference, but a member of `other` also removes every path below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.member) return new FieldSet();
    if (!other.children) return this;
    const out = new FieldSet();
    out.member = this.member;
    if (this.children) {
      for (const [k, c] of this.children) {
        const o = other.children.get(k);
        const d = o ? c.recursiveDifference(o) : c;
        if (d === c || !d.isEmpty()) (out.children ??= new Map()).set(k, d);
      }
    }
    return out.compact();
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member) return false;
    const a = this.children?.size ?? 0;
    const b = other.children?.size ?? 0;
    if (a !== b) return false;
    if (this.children) {
      for (const [k, c] of this.children) {
        const o = other.children!.get(k);
        if (!o || !c.equals(o)) return false;
      }
    }
    return true;
  }

  /** Every member path, in sorted order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (n: FieldSet, prefix: string[]): void => {
      if (n.member) out.push(prefix);
      if (n.children) for (const k of sortedKeys(n.children)) walk(n.children.get(k)!, [...prefix, k]);
    };
    walk(this, []);
    return out;
  }

  /** The fieldsV1 JSON form: `{"f:spec":{"f:replicas":{}}}`; `.` marks a member that has children. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    writeFieldsV1(this, out);
    return out;
  }

  static fromFieldsV1(json: unknown): FieldSet {
    const root = new FieldSet();
    readFieldsV1(json, root, true);
    return root;
  }

  static of(...paths: string[][]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }
}

/** Writes the members below `n` into `out` (keys sorted); false when there are none. */
function writeFieldsV1(n: FieldSet, out: Record<string, unknown>): boolean {
  const children = n.children;
  if (!children) return false;
  let wrote = false;
  for (const k of sortedKeys(children)) {
    const c = children.get(k)!;
    if (!c.children) {
      if (!c.member) continue;
      out[k] = {};
    } else if (c.member) {
      // `.` comes first, as in upstream's sorted output; dropped again when nothing follows it.
      const inner: Record<string, unknown> = { '.': {} };
      out[k] = writeFieldsV1(c, inner) ? inner : {};
    } else {
      const inner: Record<string, unknown> = {};
      if (!writeFieldsV1(c, inner)) continue;
      out[k] = inner;
    }
    wrote = true;
  }
  return wrote;
}

function readFieldsV1(json: unknown, node: FieldSet, isRoot: boolean): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('fieldsV1 must be an object');
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0 && !isRoot) {
    node.member = true;
    return;
  }
  for (const [k, v] of entries) {
    if (k === '.') {
      node.member = true;
      continue;
    }
    readFieldsV1(v, node.at(canonicalKey(k)), false);
  }
}

/** Parses a path element key and spells it canonically (key fields sorted, compact JSON). */
export function canonicalKey(k: string): string {
  const kind = k.slice(0, 2);
  const rest = k.slice(2);
  switch (kind) {
    case 'f:':
      return k;
    case 'i:':
      if (!/^\d+$/.test(rest)) throw new Error(`invalid index path element ${k}`);
      return k;
    case 'v:':
      return 'v:' + JSON.stringify(JSON.parse(rest));
    case 'k:': {
      const obj = JSON.parse(rest);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`invalid key path element ${k}`);
      return keyElement(obj);
    }
    default:
      throw new Error(`invalid path element ${JSON.stringify(k)}`);
  }
}

/** `k:{...}` for a list-map item's key fields, sorted by name as upstream. */
export function keyElement(fields: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(fields).sort()) sorted[name] = fields[name];
  return 'k:' + JSON.stringify(sorted);
}

/** Path element kinds in upstream's order: fields, keys, values, indexes (by the prefix's first letter). */
function kindRank(k: string): number {
  if (k.charCodeAt(1) !== 58 /* ':' */) return 9;
  switch (k.charCodeAt(0)) {
    case 102: // f
      return 0;
    case 107: // k
      return 1;
    case 118: // v
      return 2;
    case 105: // i
      return 3;
    default:
      return 9;
  }
}

/** Upstream's order of path elements: by kind (fields, keys, values, indexes), then by spelling. */
export function comparePathElements(a: string, b: string): number {
  const ka = kindRank(a);
  const kb = kindRank(b);
  if (ka !== kb) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedKeys(m: Map<string, FieldSet>): string[] {
  const keys = [...m.keys()];
  return keys.length < 2 ? keys : keys.sort(comparePathElements);
}

/** A path as upstream prints it in conflict messages: `.spec.containers[name="c"].image`. */
export function pathString(path: string[]): string {
  let out = '';
  for (const k of path) {
    const rest = k.slice(2);
    switch (k.slice(0, 2)) {
      case 'f:':
        out += '.' + rest;
        break;
      case 'k:': {
        const obj = JSON.parse(rest) as Record<string, unknown>;
        out += '[' + Object.entries(obj).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',') + ']';
        break;
      }
      case 'v:':
        out += `[=${rest}]`;
        break;
      case 'i:':
        out += `[${rest}]`;
        break;
    }
  }
  return out;
}
