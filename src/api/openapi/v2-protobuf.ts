// OpenAPI v2 in the protobuf form kube-apiserver serves at `/openapi/v2` for
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: gnostic's
// `openapi.v2.Document` message (openapiv2/OpenAPIv2.proto), encoded from our swagger 2.0
// JSON. kubectl falls back to it when OpenAPI v3 cannot answer (e.g. for `kind: List`) and
// validates objects client-side with it. Values gnostic keeps as `Any` (vendor extensions,
// defaults, enums, examples) carry their YAML text; JSON is valid YAML, so we write JSON.

import { ProtobufWriter, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from '../protobuf/wire.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { openapiV2Served } from './v2.ts';
import type { Schema } from './schemas.ts';

/** What clients put in Accept. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The dotted spelling, accepted too and sent back as Content-Type: Go's mime parser (and
 * so client-go) rejects the `@` in the other one. */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = any;
type Encode = (w: ProtobufWriter, value: Json) => void;

// ---- field writers -------------------------------------------------------------------

function str(w: ProtobufWriter, field: number, v: unknown): void {
  if (typeof v !== 'string' || v === '') return;
  w.tag(field, WIRE_BYTES);
  w.string(v);
}

function strs(w: ProtobufWriter, field: number, v: unknown): void {
  if (!Array.isArray(v)) return;
  for (const s of v) {
    w.tag(field, WIRE_BYTES);
    w.string(String(s));
  }
}

function bool(w: ProtobufWriter, field: number, v: unknown): void {
  if (v !== true) return;
  w.tag(field, WIRE_VARINT);
  w.bool(true);
}

function int(w: ProtobufWriter, field: number, v: unknown): void {
  if (typeof v !== 'number' || v === 0) return;
  w.tag(field, WIRE_VARINT);
  w.int64(v);
}

function double(w: ProtobufWriter, field: number, v: unknown): void {
  if (typeof v !== 'number' || v === 0) return;
  w.tag(field, WIRE_FIXED64);
  w.double(v);
}

function message(w: ProtobufWriter, field: number, value: Json, encode: Encode): void {
  const sub = new ProtobufWriter();
  encode(sub, value);
  w.tag(field, WIRE_BYTES);
  w.bytes(sub.finish());
}

function optionalMessage(w: ProtobufWriter, field: number, value: Json, encode: Encode): void {
  if (value !== undefined && value !== null) message(w, field, value, encode);
}

function repeated(w: ProtobufWriter, field: number, values: unknown, encode: Encode): void {
  if (!Array.isArray(values)) return;
  for (const v of values) message(w, field, v, encode);
}

/** gnostic's ordered maps: `repeated Named<T> { string name = 1; T value = 2; }`. */
function namedEntries(w: ProtobufWriter, field: number, map: unknown, encode: Encode): void {
  if (!map || typeof map !== 'object') return;
  for (const [name, value] of Object.entries(map)) {
    message(w, field, value, (m, v) => {
      str(m, 1, name);
      message(m, 2, v, encode);
    });
  }
}

// ---- Any and vendor extensions -------------------------------------------------------

const anyValue: Encode = (w, v) => str(w, 2, JSON.stringify(v));

function any(w: ProtobufWriter, field: number, v: unknown): void {
  if (v !== undefined) message(w, field, v, anyValue);
}

function anys(w: ProtobufWriter, field: number, v: unknown): void {
  if (Array.isArray(v)) for (const item of v) message(w, field, item, anyValue);
}

function extensions(w: ProtobufWriter, field: number, obj: Json): void {
  const ext: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (k.startsWith('x-')) ext[k] = v;
  namedEntries(w, field, ext, anyValue);
}

// ---- small messages ------------------------------------------------------------------

const externalDocs: Encode = (w, d) => {
  str(w, 1, d.description);
  str(w, 2, d.url);
  extensions(w, 3, d);
};

const contact: Encode = (w, c) => {
  str(w, 1, c.name);
  str(w, 2, c.url);
  str(w, 3, c.email);
  extensions(w, 4, c);
};

const license: Encode = (w, l) => {
  str(w, 1, l.name);
  str(w, 2, l.url);
  extensions(w, 3, l);
};

const info: Encode = (w, i) => {
  str(w, 1, i.title);
  str(w, 2, i.version);
  str(w, 3, i.description);
  str(w, 4, i.termsOfService);
  optionalMessage(w, 5, i.contact, contact);
  optionalMessage(w, 6, i.license, license);
  extensions(w, 7, i);
};

const tag: Encode = (w, t) => {
  str(w, 1, t.name);
  str(w, 2, t.description);
  optionalMessage(w, 3, t.externalDocs, externalDocs);
  extensions(w, 4, t);
};

const xml: Encode = (w, x) => {
  str(w, 1, x.name);
  str(w, 2, x.namespace);
  str(w, 3, x.prefix);
  bool(w, 4, x.attribute);
  bool(w, 5, x.wrapped);
  extensions(w, 6, x);
};

const jsonReference: Encode = (w, r) => {
  str(w, 1, r.$ref);
  str(w, 2, r.description);
};

// ---- Schema --------------------------------------------------------------------------

const schema: Encode = (w, s) => {
  str(w, 1, s.$ref);
  str(w, 2, s.format);
  str(w, 3, s.title);
  str(w, 4, s.description);
  any(w, 5, s.default);
  double(w, 6, s.multipleOf);
  double(w, 7, s.maximum);
  bool(w, 8, s.exclusiveMaximum);
  double(w, 9, s.minimum);
  bool(w, 10, s.exclusiveMinimum);
  int(w, 11, s.maxLength);
  int(w, 12, s.minLength);
  str(w, 13, s.pattern);
  int(w, 14, s.maxItems);
  int(w, 15, s.minItems);
  bool(w, 16, s.uniqueItems);
  int(w, 17, s.maxProperties);
  int(w, 18, s.minProperties);
  strs(w, 19, s.required);
  anys(w, 20, s.enum);
  if (typeof s.additionalProperties === 'boolean') {
    message(w, 21, s.additionalProperties, (m, b) => {
      // A oneof member is present even when false.
      m.tag(2, WIRE_VARINT);
      m.bool(b);
    });
  } else {
    optionalMessage(w, 21, s.additionalProperties, (m, sub) => message(m, 1, sub, schema));
  }
  if (s.type !== undefined) message(w, 22, Array.isArray(s.type) ? s.type : [s.type], (m, types) => strs(m, 1, types));
  if (s.items !== undefined) message(w, 23, Array.isArray(s.items) ? s.items : [s.items], (m, items) => repeated(m, 1, items, schema));
  repeated(w, 24, s.allOf, schema);
  if (s.properties !== undefined) message(w, 25, s.properties, (m, props) => namedEntries(m, 1, props, schema));
  str(w, 26, s.discriminator);
  bool(w, 27, s.readOnly);
  optionalMessage(w, 28, s.xml, xml);
  optionalMessage(w, 29, s.externalDocs, externalDocs);
  any(w, 30, s.example);
  extensions(w, 31, s);
};

const fileSchema: Encode = (w, s) => {
  str(w, 1, s.format);
  str(w, 2, s.title);
  str(w, 3, s.description);
  any(w, 4, s.default);
  strs(w, 5, s.required);
  str(w, 6, s.type);
  bool(w, 7, s.readOnly);
  optionalMessage(w, 8, s.externalDocs, externalDocs);
  any(w, 9, s.example);
  extensions(w, 10, s);
};

// ---- primitive-typed items, headers and non-body parameters --------------------------
// PrimitivesItems, Header and the four *ParameterSubSchema messages share one run of
// fields (type … multipleOf); only the leading fields and the start number differ.

function primitiveRun(w: ProtobufWriter, first: number, p: Json): number {
  let n = first;
  str(w, n++, p.type);
  str(w, n++, p.format);
  optionalMessage(w, n++, p.items, primitivesItems);
  str(w, n++, p.collectionFormat);
  any(w, n++, p.default);
  double(w, n++, p.maximum);
  bool(w, n++, p.exclusiveMaximum);
  double(w, n++, p.minimum);
  bool(w, n++, p.exclusiveMinimum);
  int(w, n++, p.maxLength);
  int(w, n++, p.minLength);
  str(w, n++, p.pattern);
  int(w, n++, p.maxItems);
  int(w, n++, p.minItems);
  bool(w, n++, p.uniqueItems);
  anys(w, n++, p.enum);
  double(w, n++, p.multipleOf);
  return n;
}

const primitivesItems: Encode = (w, p) => {
  const next = primitiveRun(w, 1, p);
  extensions(w, next, p);
};

const header: Encode = (w, h) => {
  const next = primitiveRun(w, 1, h);
  str(w, next, h.description);
  extensions(w, next + 1, h);
};

/** Header and path sub-schemas: required, in, description, name, then the run. */
const headerOrPathParameter: Encode = (w, p) => {
  bool(w, 1, p.required);
  str(w, 2, p.in);
  str(w, 3, p.description);
  str(w, 4, p.name);
  const next = primitiveRun(w, 5, p);
  extensions(w, next, p);
};

/** Query and formData sub-schemas also carry allowEmptyValue before the run. */
const queryOrFormParameter: Encode = (w, p) => {
  bool(w, 1, p.required);
  str(w, 2, p.in);
  str(w, 3, p.description);
  str(w, 4, p.name);
  bool(w, 5, p.allowEmptyValue);
  const next = primitiveRun(w, 6, p);
  extensions(w, next, p);
};

const NON_BODY_FIELDS: Record<string, [number, Encode]> = {
  header: [1, headerOrPathParameter],
  formData: [2, queryOrFormParameter],
  query: [3, queryOrFormParameter],
  path: [4, headerOrPathParameter],
};

const bodyParameter: Encode = (w, p) => {
  str(w, 1, p.description);
  str(w, 2, p.name);
  str(w, 3, p.in);
  bool(w, 4, p.required);
  optionalMessage(w, 5, p.schema, schema);
  extensions(w, 6, p);
};

const parameter: Encode = (w, p) => {
  if (p.in === 'body') return message(w, 1, p, bodyParameter);
  const [field, encode] = NON_BODY_FIELDS[p.in] ?? NON_BODY_FIELDS.query;
  message(w, 2, p, (m, v) => message(m, field, v, encode));
};

const parametersItem: Encode = (w, p) => {
  if (typeof p.$ref === 'string') message(w, 2, p, jsonReference);
  else message(w, 1, p, parameter);
};

// ---- responses -----------------------------------------------------------------------

const response: Encode = (w, r) => {
  str(w, 1, r.description);
  if (r.schema !== undefined) {
    message(w, 2, r.schema, (m, s) => (s.type === 'file' ? message(m, 2, s, fileSchema) : message(m, 1, s, schema)));
  }
  if (r.headers !== undefined) message(w, 3, r.headers, (m, hs) => namedEntries(m, 1, hs, header));
  if (r.examples !== undefined) message(w, 4, r.examples, (m, ex) => namedEntries(m, 1, ex, anyValue));
  extensions(w, 5, r);
};

const responseValue: Encode = (w, r) => {
  if (typeof r.$ref === 'string') message(w, 2, r, jsonReference);
  else message(w, 1, r, response);
};

const responses: Encode = (w, rs) => {
  const codes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rs)) if (!k.startsWith('x-')) codes[k] = v;
  namedEntries(w, 1, codes, responseValue);
  extensions(w, 2, rs);
};

// ---- operations and paths ------------------------------------------------------------

const securityRequirement: Encode = (w, req) => {
  namedEntries(w, 1, req, (m, scopes) => strs(m, 1, scopes));
};

const operation: Encode = (w, op) => {
  strs(w, 1, op.tags);
  str(w, 2, op.summary);
  str(w, 3, op.description);
  optionalMessage(w, 4, op.externalDocs, externalDocs);
  str(w, 5, op.operationId);
  strs(w, 6, op.produces);
  strs(w, 7, op.consumes);
  repeated(w, 8, op.parameters, parametersItem);
  optionalMessage(w, 9, op.responses, responses);
  strs(w, 10, op.schemes);
  bool(w, 11, op.deprecated);
  repeated(w, 12, op.security, securityRequirement);
  extensions(w, 13, op);
};

const METHOD_FIELDS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

const pathItem: Encode = (w, item) => {
  str(w, 1, item.$ref);
  for (const [method, field] of METHOD_FIELDS) optionalMessage(w, field, item[method], operation);
  repeated(w, 9, item.parameters, parametersItem);
  extensions(w, 10, item);
};

const paths: Encode = (w, ps) => {
  extensions(w, 1, ps);
  const routes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ps)) if (!k.startsWith('x-')) routes[k] = v;
  namedEntries(w, 2, routes, pathItem);
};

// ---- security definitions ------------------------------------------------------------

const oauth2Scopes: Encode = (w, scopes) => {
  for (const [name, description] of Object.entries(scopes)) {
    message(w, 1, description, (m, d) => {
      str(m, 1, name);
      str(m, 2, String(d));
    });
  }
};

function oauth2(w: ProtobufWriter, s: Json, urls: ('authorizationUrl' | 'tokenUrl')[]): void {
  str(w, 1, s.type);
  str(w, 2, s.flow);
  optionalMessage(w, 3, s.scopes, oauth2Scopes);
  let n = 4;
  for (const u of urls) str(w, n++, s[u]);
  str(w, n++, s.description);
  extensions(w, n, s);
}

const securityDefinitionsItem: Encode = (w, s) => {
  if (s.type === 'basic') {
    return message(w, 1, s, (m, v) => {
      str(m, 1, v.type);
      str(m, 2, v.description);
      extensions(m, 3, v);
    });
  }
  if (s.type === 'apiKey') {
    return message(w, 2, s, (m, v) => {
      str(m, 1, v.type);
      str(m, 2, v.name);
      str(m, 3, v.in);
      str(m, 4, v.description);
      extensions(m, 5, v);
    });
  }
  switch (s.flow) {
    case 'implicit':
      return message(w, 3, s, (m, v) => oauth2(m, v, ['authorizationUrl']));
    case 'password':
      return message(w, 4, s, (m, v) => oauth2(m, v, ['tokenUrl']));
    case 'application':
      return message(w, 5, s, (m, v) => oauth2(m, v, ['tokenUrl']));
    default:
      return message(w, 6, s, (m, v) => oauth2(m, v, ['authorizationUrl', 'tokenUrl']));
  }
};

// ---- the document --------------------------------------------------------------------

const document: Encode = (w, d) => {
  str(w, 1, d.swagger);
  optionalMessage(w, 2, d.info, info);
  str(w, 3, d.host);
  str(w, 4, d.basePath);
  strs(w, 5, d.schemes);
  strs(w, 6, d.consumes);
  strs(w, 7, d.produces);
  optionalMessage(w, 8, d.paths, paths);
  if (d.definitions !== undefined) message(w, 9, d.definitions, (m, defs) => namedEntries(m, 1, defs, schema));
  if (d.parameters !== undefined) message(w, 10, d.parameters, (m, ps) => namedEntries(m, 1, ps, parameter));
  if (d.responses !== undefined) message(w, 11, d.responses, (m, rs) => namedEntries(m, 1, rs, response));
  repeated(w, 12, d.security, securityRequirement);
  if (d.securityDefinitions !== undefined) {
    message(w, 13, d.securityDefinitions, (m, sds) => namedEntries(m, 1, sds, securityDefinitionsItem));
  }
  repeated(w, 14, d.tags, tag);
  optionalMessage(w, 15, d.externalDocs, externalDocs);
  extensions(w, 16, d);
};

/** A swagger 2.0 document (as JSON) as gnostic's `openapi.v2.Document` protobuf bytes. */
export function encodeOpenApiV2Protobuf(swagger: Schema): Buffer {
  const w = new ProtobufWriter();
  document(w, swagger);
  return Buffer.from(w.finish());
}

const encoded = new WeakMap<object, Buffer>();

/** The protobuf form of `openapiV2Served(defs)`; encoded once per document. */
export function openapiV2ProtobufServed(defs: ResourceDefinition[]): Buffer {
  const { document: swagger } = openapiV2Served(defs);
  let bytes = encoded.get(swagger);
  if (!bytes) encoded.set(swagger, (bytes = encodeOpenApiV2Protobuf(swagger)));
  return bytes;
}

/** Whether an Accept header asks for the OpenAPI v2 protobuf before any JSON form. */
export function prefersOpenApiV2Protobuf(accept: string | undefined): boolean {
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_CONTENT_TYPE) return true;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return false;
  }
  return false;
}
