// The envelope of every Kubernetes protobuf body: the magic `k8s\0`, then a runtime.Unknown
// message {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}.

import { typeNameForGVK } from '../schema/registry.ts';
import { decodeObject } from './codec.ts';
import { ProtobufReader, ProtobufWriter, WIRE_BYTES } from './wire.ts';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding?: string;
  contentType?: string;
}

export function isKubernetesProtobuf(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x6b && buf[1] === 0x38 && buf[2] === 0x73 && buf[3] === 0x00;
}

function expectBytes(wire: number, what: string): void {
  if (wire !== WIRE_BYTES) throw new Error(`protobuf: ${what} has wire type ${wire}, expected 2`);
}

/** Unwrap a `k8s\0` + runtime.Unknown body. Throws on anything malformed. */
export function decodeUnknown(buf: Buffer): UnknownEnvelope {
  if (!isKubernetesProtobuf(buf)) throw new Error('protobuf: body does not start with the Kubernetes magic "k8s\\0"');
  const r = new ProtobufReader(buf, 4);
  const out: UnknownEnvelope = { apiVersion: '', kind: '', raw: Buffer.alloc(0) };
  while (!r.atEnd()) {
    const tag = r.uint32();
    const number = tag >>> 3;
    const wire = tag & 7;
    switch (number) {
      case 1: {
        expectBytes(wire, 'Unknown.typeMeta');
        const [s, e] = r.delimited();
        const t = new ProtobufReader(buf, s, e);
        while (!t.atEnd()) {
          const ttag = t.uint32();
          const twire = ttag & 7;
          if (ttag >>> 3 === 1) (expectBytes(twire, 'TypeMeta.apiVersion'), (out.apiVersion = t.string()));
          else if (ttag >>> 3 === 2) (expectBytes(twire, 'TypeMeta.kind'), (out.kind = t.string()));
          else t.skip(twire);
        }
        break;
      }
      case 2:
        expectBytes(wire, 'Unknown.raw');
        out.raw = r.bytes();
        break;
      case 3:
        expectBytes(wire, 'Unknown.contentEncoding');
        out.contentEncoding = r.string() || undefined;
        break;
      case 4:
        expectBytes(wire, 'Unknown.contentType');
        out.contentType = r.string() || undefined;
        break;
      default:
        r.skip(wire);
    }
  }
  if (out.contentEncoding === undefined) delete out.contentEncoding;
  if (out.contentType === undefined) delete out.contentType;
  return out;
}

/** `k8s\0` + runtime.Unknown around an object's protobuf bytes. */
export function encodeUnknown(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = new ProtobufWriter();
  typeMeta.tag(1, WIRE_BYTES);
  typeMeta.string(apiVersion);
  typeMeta.tag(2, WIRE_BYTES);
  typeMeta.string(kind);
  const w = new ProtobufWriter();
  w.tag(1, WIRE_BYTES);
  w.bytes(typeMeta.finish());
  w.tag(2, WIRE_BYTES);
  w.bytes(raw);
  w.tag(3, WIRE_BYTES);
  w.string('');
  w.tag(4, WIRE_BYTES);
  w.string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

function splitAPIVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * A whole protobuf request body as the JSON object kubectl would otherwise have sent:
 * apiVersion and kind from the envelope, the rest decoded by the schema type of that kind.
 */
export function decodeKubernetesProtobuf(buf: Buffer): Record<string, unknown> {
  const env = decodeUnknown(buf);
  if (env.contentEncoding) throw new Error(`protobuf: unsupported content encoding ${env.contentEncoding}`);
  const { group, version } = splitAPIVersion(env.apiVersion);
  const typeName = typeNameForGVK(group, version, env.kind);
  if (!typeName) throw new Error(`protobuf: no schema for kind ${env.kind} in ${env.apiVersion || '(no apiVersion)'}`);
  const body = decodeObject(typeName, env.raw);
  return { apiVersion: env.apiVersion, kind: env.kind, ...body };
}
