import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPENAPI_V2_PROTOBUF,
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  encodeOpenApiV2Protobuf,
  openapiV2ProtobufServed,
  prefersOpenApiV2Protobuf,
} from '../../../src/api/openapi/v2-protobuf.ts';
import { ProtobufReader, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from '../../../src/api/protobuf/wire.ts';
import type { ResourceDefinition } from '../../../src/api/strategy.ts';

const configmaps: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', resource: 'configmaps', singular: 'configmap',
  namespaced: true, typeName: 'io.k8s.api.core.v1.ConfigMap', subresources: [], strategy: {},
};

/** A decoded message: field number → values (Buffers for length-delimited fields). */
type Fields = Map<number, (Buffer | number)[]>;

function decode(buf: Buffer): Fields {
  const r = new ProtobufReader(buf);
  const out: Fields = new Map();
  while (!r.atEnd()) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    let v: Buffer | number;
    if (wire === WIRE_BYTES) v = r.bytes();
    else if (wire === WIRE_VARINT) v = r.int64();
    else if (wire === WIRE_FIXED64) v = r.double();
    else throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), v]);
  }
  return out;
}

const bytesOf = (m: Fields, f: number): Buffer[] => (m.get(f) ?? []) as Buffer[];
const one = (m: Fields, f: number): Fields => {
  const vs = bytesOf(m, f);
  assert.equal(vs.length, 1, `field ${f} once`);
  return decode(vs[0]);
};
const text = (m: Fields, f: number): string | undefined => bytesOf(m, f)[0]?.toString('utf8');
const texts = (m: Fields, f: number): string[] => bytesOf(m, f).map((b) => b.toString('utf8'));

/** gnostic's Named* pairs as a Map from name to the decoded value message. */
function named(m: Fields, f: number): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const b of bytesOf(m, f)) {
    const pair = decode(b);
    out.set(text(pair, 1)!, one(pair, 2));
  }
  return out;
}

/** Vendor extensions: name → the JSON value carried in Any.yaml. */
function extensionsOf(m: Fields, f: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, any] of named(m, f)) out[name] = JSON.parse(text(any, 2)!);
  return out;
}

test('the served document encodes as an openapi.v2.Document with version, info and definitions', () => {
  const doc = decode(openapiV2ProtobufServed([configmaps]));
  assert.equal(text(doc, 1), '2.0');
  const info = one(doc, 2);
  assert.equal(text(info, 1), 'Kubernetes');
  assert.match(text(info, 2)!, /^v1\.\d+\.0$/);

  const definitions = named(one(doc, 9), 1);
  const configMap = definitions.get('io.k8s.api.core.v1.ConfigMap');
  assert.ok(configMap, 'ConfigMap definition present');
  assert.deepEqual(texts(one(configMap, 22), 1), ['object']);
  assert.deepEqual(extensionsOf(configMap, 31)['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'ConfigMap' }]);
  const props = named(one(configMap, 25), 1);
  assert.deepEqual([...props.keys()].sort(), ['apiVersion', 'binaryData', 'data', 'immutable', 'kind', 'metadata']);
  const data = props.get('data')!;
  const valueSchema = one(one(data, 21), 1);
  assert.deepEqual(texts(one(valueSchema, 22), 1), ['string']);
  assert.equal(text(props.get('metadata')!, 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.equal(text(one(props.get('metadata')!, 5), 2), '{}', 'default {} carried as Any.yaml');
});

test('a patch operation carries the GVK extension, a body parameter and the fieldValidation query parameter', () => {
  const doc = decode(openapiV2ProtobufServed([configmaps]));
  const paths = named(one(doc, 8), 2);
  const item = paths.get('/api/v1/namespaces/{namespace}/configmaps/{name}');
  assert.ok(item);
  const patch = one(item, 8);
  assert.equal(text(patch, 5), 'patchCoreV1NamespacedConfigMap');
  assert.ok(texts(patch, 7).includes('application/strategic-merge-patch+json'));
  assert.deepEqual(extensionsOf(patch, 13)['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
  const params = bytesOf(patch, 8).map((b) => one(decode(b), 1));
  const body = one(params[0], 1);
  assert.equal(text(body, 3), 'body');
  assert.equal(text(one(body, 5), 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const queryNames = params.filter((p) => p.has(2)).map((p) => one(one(p, 2), 3)).map((q) => text(q, 4));
  assert.ok(queryNames.includes('fieldValidation'), queryNames.join(','));
  const nonBody = bytesOf(item, 9).map((b) => one(one(decode(b), 1), 2));
  const pathParams = nonBody.filter((p) => p.has(4)).map((p) => one(p, 4));
  assert.deepEqual(pathParams.map((p) => text(p, 4)).sort(), ['name', 'namespace']);
  assert.equal(one(patch, 9).has(1), true, 'responses present');
});

test('oneofs and scalars: boolean additionalProperties, refs, api-key security, numbers, enums', () => {
  const doc = decode(
    encodeOpenApiV2Protobuf({
      swagger: '2.0',
      info: { title: 't', version: '1' },
      paths: { '/x': { parameters: [{ $ref: '#/parameters/p' }], get: { responses: { '200': { $ref: '#/responses/ok' } } } } },
      definitions: {
        Closed: { type: 'object', additionalProperties: false, maxLength: 5, minimum: 1.5, enum: ['a', 'b'] },
      },
      securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
      security: [{ BearerToken: [] }],
    }),
  );
  const closed = named(one(doc, 9), 1).get('Closed')!;
  const additional = one(closed, 21);
  assert.deepEqual(additional.get(2), [0], 'false is written inside the oneof');
  assert.deepEqual(closed.get(11), [5]);
  assert.deepEqual(closed.get(9), [1.5]);
  assert.deepEqual(bytesOf(closed, 20).map((b) => text(decode(b), 2)), ['"a"', '"b"']);
  const item = named(one(doc, 8), 2).get('/x')!;
  assert.equal(text(one(one(item, 9), 2), 1), '#/parameters/p');
  const ok = named(one(one(item, 2), 9), 1).get('200')!;
  assert.equal(text(one(ok, 2), 1), '#/responses/ok');
  const apiKey = one(named(one(doc, 13), 1).get('BearerToken')!, 2);
  assert.deepEqual([text(apiKey, 1), text(apiKey, 2), text(apiKey, 3)], ['apiKey', 'authorization', 'header']);
  const requirement = named(one(doc, 12), 1);
  assert.ok(requirement.has('BearerToken'));
});

test('encoded bytes are memoized per served document', () => {
  assert.equal(openapiV2ProtobufServed([configmaps]), openapiV2ProtobufServed([configmaps]));
});

test('Accept negotiation picks protobuf only when it comes before any JSON offer', () => {
  assert.equal(prefersOpenApiV2Protobuf(OPENAPI_V2_PROTOBUF), true);
  assert.equal(prefersOpenApiV2Protobuf(`${OPENAPI_V2_PROTOBUF_CONTENT_TYPE}, application/json`), true);
  assert.equal(prefersOpenApiV2Protobuf(`application/json, ${OPENAPI_V2_PROTOBUF}`), false);
  assert.equal(prefersOpenApiV2Protobuf(undefined), false);
  assert.equal(prefersOpenApiV2Protobuf('application/vnd.kubernetes.protobuf'), false);
});
