// Kubernetes objects between their protobuf bytes (generated.proto) and the JSON-shaped
// objects the rest of k8ts works with, driven by the compiled message plans.

import { messagePlan, type FieldPlan, type MessagePlan, type ScalarType, type ValuePlan } from './messages.ts';
import { durationFromJSON, durationToJSON, microTimeToJSON, timeFromJSON, timeToJSON } from './time.ts';
import { ProtobufReader, ProtobufWriter, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './wire.ts';

// ---------- decode ----------

function expectedWire(scalar: ScalarType): number {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

function readScalar(r: ProtobufReader, scalar: ScalarType, base64: boolean): unknown {
  switch (scalar) {
    case 'string':
      return r.string();
    case 'bytes': {
      const b = r.bytes();
      return base64 ? b.toString('base64') : b;
    }
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
    case 'uint64':
      return r.int64();
    case 'bool':
      return r.bool();
    case 'double':
      return r.double();
    case 'float':
      return r.float();
  }
}

function wrongWire(plan: MessagePlan, number: number, got: number, want: number): never {
  throw new Error(`protobuf: field ${number} of ${plan.typeName} has wire type ${got}, expected ${want}`);
}

function readValue(r: ProtobufReader, owner: MessagePlan, fp: FieldPlan, vp: ValuePlan, wire: number): unknown {
  if ('scalar' in vp) {
    const want = expectedWire(vp.scalar);
    if (wire !== want) wrongWire(owner, fp.number, wire, want);
    return readScalar(r, vp.scalar, fp.base64);
  }
  if (wire !== WIRE_BYTES) wrongWire(owner, fp.number, wire, WIRE_BYTES);
  const [s, e] = r.delimited();
  return decodeMessage(vp.message, r.buf, s, e);
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function decodeMapEntry(r: ProtobufReader, owner: MessagePlan, fp: FieldPlan, end: number): [string, unknown] {
  let key = '';
  let value: unknown;
  while (r.pos < end) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 1) {
      if (wire !== WIRE_BYTES) wrongWire(owner, fp.number, wire, WIRE_BYTES);
      key = r.string();
    } else if (number === 2) {
      value = readValue(r, owner, fp, fp.value, wire);
    } else {
      r.skip(wire);
    }
  }
  if (value === undefined) {
    const vp = fp.value;
    value = 'scalar' in vp ? zeroScalar(vp.scalar, fp.base64) : decodeMessage(vp.message, r.buf, end, end);
  }
  return [key, value];
}

function zeroScalar(scalar: ScalarType, base64: boolean): unknown {
  if (scalar === 'string') return '';
  if (scalar === 'bytes') return base64 ? '' : Buffer.alloc(0);
  if (scalar === 'bool') return false;
  return 0;
}

function decodeStructInto(plan: MessagePlan, buf: Buffer, start: number, end: number, out: Record<string, any>): void {
  const r = new ProtobufReader(buf, start, end);
  while (!r.atEnd()) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 0) throw new Error(`protobuf: field number 0 in ${plan.typeName} at byte ${r.pos}`);
    const fp = plan.byNumber.get(number);
    if (!fp) {
      r.skip(wire);
      continue;
    }
    if (fp.json === null) {
      if (wire !== WIRE_BYTES) wrongWire(plan, number, wire, WIRE_BYTES);
      const [s, e] = r.delimited();
      decodeStructInto((fp.value as { message: MessagePlan }).message, buf, s, e, out);
      continue;
    }
    if (fp.map) {
      if (wire !== WIRE_BYTES) wrongWire(plan, number, wire, WIRE_BYTES);
      const [s, e] = r.delimited();
      r.pos = s;
      const [key, value] = decodeMapEntry(r, plan, fp, e);
      r.pos = e;
      (out[fp.json] ??= {})[key] = value;
      continue;
    }
    if (fp.repeated) {
      const list: unknown[] = (out[fp.json] ??= []);
      const vp = fp.value;
      if ('scalar' in vp && wire === WIRE_BYTES && expectedWire(vp.scalar) !== WIRE_BYTES) {
        // Packed repeated scalars: accepted, though Kubernetes writes them unpacked.
        const [s, e] = r.delimited();
        const inner = new ProtobufReader(buf, s, e);
        while (!inner.atEnd()) list.push(readScalar(inner, vp.scalar, false));
      } else {
        list.push(readValue(r, plan, fp, vp, wire));
      }
      continue;
    }
    const value = readValue(r, plan, fp, fp.value, wire);
    if (value === undefined) delete out[fp.json];
    else out[fp.json] = value;
  }
  for (const fp of plan.fields) {
    if (fp.omitZero && fp.json !== null && fp.json in out && isZero(out[fp.json])) delete out[fp.json];
  }
}

/** Read the fields of a small fixed message (Time, IntOrString…) into a number-keyed record. */
function readSmall(plan: MessagePlan, buf: Buffer, start: number, end: number): Map<number, unknown[]> {
  const r = new ProtobufReader(buf, start, end);
  const fields = new Map<number, unknown[]>();
  const push = (n: number, v: unknown) => {
    const list = fields.get(n);
    if (list) list.push(v);
    else fields.set(n, [v]);
  };
  while (!r.atEnd()) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (wire === WIRE_VARINT) push(number, r.int64());
    else if (wire === WIRE_BYTES) {
      const [s, e] = r.delimited();
      push(number, [s, e]);
    } else r.skip(wire);
  }
  void plan;
  return fields;
}

function one<T>(fields: Map<number, unknown[]>, n: number): T | undefined {
  const list = fields.get(n);
  return list ? (list[list.length - 1] as T) : undefined;
}

function bytesOf(buf: Buffer, range: unknown, what: string): Buffer {
  if (!Array.isArray(range)) throw new Error(`protobuf: ${what} must be length-delimited`);
  return buf.subarray(range[0], range[1]);
}

function decodeMessage(plan: MessagePlan, buf: Buffer, start: number, end: number): unknown {
  switch (plan.kind) {
    case 'struct': {
      const out: Record<string, unknown> = {};
      decodeStructInto(plan, buf, start, end, out);
      return out;
    }
    case 'time':
    case 'microtime': {
      // Go writes the zero time as an empty message and reads it back as JSON null: absent here.
      if (start === end) return undefined;
      const f = readSmall(plan, buf, start, end);
      const seconds = one<number>(f, 1) ?? 0;
      const nanos = (one<number>(f, 2) ?? 0) | 0;
      return (plan.kind === 'time' ? timeToJSON(seconds, nanos) : microTimeToJSON(seconds, nanos)) ?? undefined;
    }
    case 'duration':
      return durationToJSON(one<number>(readSmall(plan, buf, start, end), 1) ?? 0);
    case 'quantity': {
      const range = one(readSmall(plan, buf, start, end), 1);
      return range === undefined ? '0' : bytesOf(buf, range, 'Quantity.string').toString('utf8');
    }
    case 'int-or-string': {
      const f = readSmall(plan, buf, start, end);
      if ((one<number>(f, 1) ?? 0) === 1) {
        const range = one(f, 3);
        return range === undefined ? '' : bytesOf(buf, range, 'IntOrString.strVal').toString('utf8');
      }
      return (one<number>(f, 2) ?? 0) | 0;
    }
    case 'raw-json': {
      const range = one(readSmall(plan, buf, start, end), 1);
      if (range === undefined) return undefined;
      const raw = bytesOf(buf, range, `${plan.typeName}.raw`);
      if (raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw new Error(`protobuf: ${plan.typeName} does not hold JSON`);
      }
    }
    case 'string-list':
      return (readSmall(plan, buf, start, end).get(1) ?? []).map((range) =>
        bytesOf(buf, range, `${plan.typeName}.items`).toString('utf8'),
      );
    case 'schema-or-bool': {
      const f = readSmall(plan, buf, start, end);
      const schema = one(f, 2);
      if (schema !== undefined) return decodeMessage(plan.schema!, buf, ...(schema as [number, number]));
      return (one<number>(f, 1) ?? 0) !== 0;
    }
    case 'schema-or-array': {
      const f = readSmall(plan, buf, start, end);
      const many = f.get(2);
      if (many?.length) return many.map((range) => decodeMessage(plan.schema!, buf, ...(range as [number, number])));
      const schema = one(f, 1);
      return schema === undefined ? undefined : decodeMessage(plan.schema!, buf, ...(schema as [number, number]));
    }
    case 'schema-or-string-array': {
      const f = readSmall(plan, buf, start, end);
      const many = f.get(2);
      if (many?.length) return many.map((range) => bytesOf(buf, range, 'property').toString('utf8'));
      const schema = one(f, 1);
      return schema === undefined ? undefined : decodeMessage(plan.schema!, buf, ...(schema as [number, number]));
    }
  }
}

/**
 * Decode the protobuf bytes of one object of schema type `typeName` (the `raw` of a
 * runtime.Unknown) into the JSON-shaped object (no apiVersion/kind: those travel in the
 * wrapper). Throws an Error on malformed input.
 */
export function decodeObject(typeName: string, raw: Buffer): any {
  const plan = messagePlan(typeName);
  return decodeMessage(plan, raw, 0, raw.length);
}

// ---------- encode ----------

function fail(what: string): never {
  throw new Error(`protobuf: ${what}`);
}

function writeScalar(w: ProtobufWriter, number: number, scalar: ScalarType, v: unknown, fp: FieldPlan, path: string): void {
  switch (scalar) {
    case 'string':
      if (typeof v !== 'string') fail(`${path} must be a string`);
      w.tag(number, WIRE_BYTES);
      w.string(v);
      return;
    case 'bytes': {
      let b: Uint8Array;
      if (typeof v === 'string' && fp.base64) b = Buffer.from(v, 'base64');
      else if (v instanceof Uint8Array) b = v;
      else fail(`${path} must be base64 text`);
      w.tag(number, WIRE_BYTES);
      w.bytes(b);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') fail(`${path} must be a boolean`);
      w.tag(number, WIRE_VARINT);
      w.bool(v);
      return;
    case 'double':
    case 'float':
      if (typeof v !== 'number') fail(`${path} must be a number`);
      w.tag(number, WIRE_FIXED64);
      w.double(v);
      return;
    default:
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path} must be an integer`);
      w.tag(number, WIRE_VARINT);
      w.int64(v);
  }
}

function writeValue(w: ProtobufWriter, number: number, vp: ValuePlan, v: unknown, fp: FieldPlan, path: string): void {
  if ('scalar' in vp) return writeScalar(w, number, vp.scalar, v, fp, path);
  w.tag(number, WIRE_BYTES);
  w.bytes(encodeMessage(vp.message, v, path));
}

function encodeStructInto(plan: MessagePlan, obj: Record<string, unknown>, w: ProtobufWriter, path: string): void {
  for (const fp of plan.fields) {
    if (fp.json === null) {
      // An inline embed with its own number: its fields sit on obj itself.
      w.tag(fp.number, WIRE_BYTES);
      w.bytes(encodeMessage((fp.value as { message: MessagePlan }).message, obj, path));
      continue;
    }
    const v = obj[fp.json];
    if (v === undefined || v === null) continue;
    const here = path ? `${path}.${fp.json}` : fp.json;
    if (fp.map) {
      if (typeof v !== 'object' || Array.isArray(v)) fail(`${here} must be an object`);
      const rec = v as Record<string, unknown>;
      for (const key of Object.keys(rec).sort()) {
        const entry = new ProtobufWriter();
        entry.tag(1, WIRE_BYTES);
        entry.string(key);
        if (rec[key] !== null && rec[key] !== undefined) writeValue(entry, 2, fp.value, rec[key], fp, `${here}.${key}`);
        w.tag(fp.number, WIRE_BYTES);
        w.bytes(entry.finish());
      }
    } else if (fp.repeated) {
      if (!Array.isArray(v)) fail(`${here} must be an array`);
      v.forEach((item, i) => writeValue(w, fp.number, fp.value, item, fp, `${here}[${i}]`));
    } else {
      writeValue(w, fp.number, fp.value, v, fp, here);
    }
  }
}

function encodeMessage(plan: MessagePlan, v: unknown, path: string): Buffer {
  const w = new ProtobufWriter();
  switch (plan.kind) {
    case 'struct':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${path || 'object'} must be an object`);
      encodeStructInto(plan, v as Record<string, unknown>, w, path);
      break;
    case 'time':
    case 'microtime': {
      if (typeof v !== 'string') fail(`${path} must be a time string`);
      const { seconds, nanos } = timeFromJSON(v);
      w.tag(1, WIRE_VARINT);
      w.int64(seconds);
      // metav1.Time has whole seconds in JSON; MicroTime keeps the sub-second part.
      if (plan.kind === 'microtime' && nanos !== 0) {
        w.tag(2, WIRE_VARINT);
        w.int64(nanos);
      }
      break;
    }
    case 'duration':
      if (typeof v !== 'string') fail(`${path} must be a duration string`);
      w.tag(1, WIRE_VARINT);
      w.int64(durationFromJSON(v));
      break;
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number') fail(`${path} must be a quantity`);
      w.tag(1, WIRE_BYTES);
      w.string(String(v));
      break;
    case 'int-or-string': {
      const isString = typeof v === 'string';
      if (!isString && (typeof v !== 'number' || !Number.isInteger(v))) fail(`${path} must be an integer or a string`);
      w.tag(1, WIRE_VARINT);
      w.int64(isString ? 1 : 0);
      w.tag(2, WIRE_VARINT);
      w.int64(isString ? 0 : (v as number));
      w.tag(3, WIRE_BYTES);
      w.string(isString ? v : '');
      break;
    }
    case 'raw-json':
      w.tag(1, WIRE_BYTES);
      w.bytes(Buffer.from(JSON.stringify(v)));
      break;
    case 'string-list':
      if (!Array.isArray(v)) fail(`${path} must be an array`);
      for (const s of v) {
        if (typeof s !== 'string') fail(`${path} must hold strings`);
        w.tag(1, WIRE_BYTES);
        w.string(s);
      }
      break;
    case 'schema-or-bool':
      w.tag(1, WIRE_VARINT);
      if (typeof v === 'boolean') w.bool(v);
      else {
        w.bool(true);
        w.tag(2, WIRE_BYTES);
        w.bytes(encodeMessage(plan.schema!, v, path));
      }
      break;
    case 'schema-or-array':
    case 'schema-or-string-array':
      if (Array.isArray(v)) {
        for (const item of v) {
          w.tag(2, WIRE_BYTES);
          if (plan.kind === 'schema-or-array') w.bytes(encodeMessage(plan.schema!, item, path));
          else if (typeof item === 'string') w.string(item);
          else fail(`${path} must hold strings`);
        }
      } else {
        w.tag(1, WIRE_BYTES);
        w.bytes(encodeMessage(plan.schema!, v, path));
      }
      break;
  }
  return w.finish();
}

/** Encode a JSON-shaped object of schema type `typeName` as its protobuf message bytes. */
export function encodeObject(typeName: string, obj: unknown): Buffer {
  return encodeMessage(messagePlan(typeName), obj, '');
}
