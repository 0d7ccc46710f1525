// Content negotiation: what the client accepts (JSON, Table, PartialObjectMetadata,
// aggregated discovery, protobuf) and how to read what it sent (JSON, YAML, protobuf).

import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { StatusError, badRequest } from '../api/errors.ts';

export interface MediaType {
  type: string; // e.g. application/json
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const i = kv.indexOf('=');
        if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim().replace(/^"|"$/g, '');
      }
      return { type: (type ?? '').toLowerCase(), params: p };
    })
    .filter((m) => m.type !== '');
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export type ResponseShape = 'object' | 'table' | 'partial-metadata';

export interface Negotiated {
  shape: ResponseShape;
  /** For Table: meta.k8s.io version asked (v1 or v1beta1). */
  tableVersion?: string;
  /** Answer in protobuf: only when the client accepts nothing we can write as JSON. */
  protobuf: boolean;
}

const JSON_LIKE = new Set(['application/json', '*/*', 'application/*', 'application/yaml']);

/** Picks the first acceptable offer in the client's order, as upstream does. */
export function negotiate(accept: string | undefined): Negotiated {
  const types = parseMediaTypes(accept);
  if (types.length === 0) return { shape: 'object', protobuf: false };
  let sawProtobuf = false;
  for (const t of types) {
    if (t.type === PROTOBUF) {
      if (t.params.as) continue; // protobuf tables: fall through to the JSON offer
      sawProtobuf = true;
      continue;
    }
    if (!JSON_LIKE.has(t.type)) continue;
    const as = t.params.as;
    if (!as) return { shape: 'object', protobuf: false };
    if (as === 'Table' && (t.params.g ?? 'meta.k8s.io') === 'meta.k8s.io') {
      return { shape: 'table', tableVersion: t.params.v ?? 'v1', protobuf: false };
    }
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && (t.params.g ?? 'meta.k8s.io') === 'meta.k8s.io') {
      return { shape: 'partial-metadata', tableVersion: t.params.v ?? 'v1', protobuf: false };
    }
  }
  if (sawProtobuf) return { shape: 'object', protobuf: true };
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, ${PROTOBUF}`);
}

/** upstream's default request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  // Plain 'data'/'end' listeners: cheaper per request than an async iterator over the stream.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done(new StatusError(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const t = parseMediaTypes(contentType)[0]?.type;
  if (t === undefined || t === 'application/json') return 'json';
  if (t === 'application/yaml' || t === 'application/apply-patch+yaml') return 'yaml';
  if (t === PROTOBUF) return 'protobuf';
  return undefined;
}

/** JSON or YAML text to a value; a syntax error is a 400 naming the problem. */
export function decodeText(body: Buffer, format: 'json' | 'yaml'): unknown {
  const text = body.toString('utf8');
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw badRequest(`error decoding JSON body: ${(e as Error).message}`);
    }
  }
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    throw badRequest(`error decoding YAML body: ${(e as Error).message}`);
  }
}
