import t from 'tap';
import YAML from 'yaml';
import type { JsonObject } from '../../schemas/object.js';
import { BadRequestError } from '../../src/errors/index.js';
import {
  acceptsOpenApiV2Protobuf,
  decodeOpenApiV2Protobuf,
  encodeOpenApiV2Protobuf,
  type DroppedConstruct,
  type OpenApiV2Message,
} from '../../src/openapi/protobuf.js';

const WIDGET = 'io.converge.v1alpha1.Widget';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const GVK = { group: 'converge.io', version: 'v1alpha1', kind: 'Widget' };
const COLLECTION = '/apis/converge.io/v1alpha1/namespaces/{namespace}/widgets';

/** A Swagger 2.0 document shaped like what the API server serves, touching every message kind. */
function representativeDoc(): JsonObject {
  return {
    swagger: '2.0',
    info: { title: 'Converge', version: 'v0.1.0', contact: { name: 'maintainers' }, license: { name: 'Apache-2.0' } },
    securityDefinitions: {
      BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token' },
      Basic: { type: 'basic' },
      OAuth: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://a', tokenUrl: 'https://t', scopes: { read: 'r' } },
    },
    security: [{ BearerToken: [] }],
    tags: [{ name: 'converge.io_v1alpha1', externalDocs: { url: 'https://converge.io' } }],
    parameters: {
      pretty: { name: 'pretty', in: 'query', type: 'string', uniqueItems: true },
      body: { name: 'body', in: 'body', required: true, schema: { $ref: `#/definitions/${WIDGET}` } },
    },
    responses: { Unauthorized: { description: 'Unauthorized', headers: { 'WWW-Authenticate': { type: 'string' } } } },
    paths: {
      [COLLECTION]: {
        parameters: [
          { $ref: '#/parameters/pretty' },
          { name: 'namespace', in: 'path', type: 'string', required: true },
        ],
        post: {
          operationId: 'createConvergeV1alpha1NamespacedWidget',
          consumes: ['*/*'],
          produces: ['application/json', 'application/yaml'],
          parameters: [
            { $ref: '#/parameters/body' },
            { name: 'dryRun', in: 'query', type: 'string', uniqueItems: true },
            { name: 'X-Trace', in: 'header', type: 'array', items: { type: 'integer', format: 'int64' }, collectionFormat: 'csv' },
          ],
          responses: {
            '200': { description: 'OK', schema: { $ref: `#/definitions/${WIDGET}` } },
            '201': { description: 'Created', schema: { $ref: `#/definitions/${WIDGET}` } },
            '401': { $ref: '#/responses/Unauthorized' },
            default: { description: 'error', schema: { type: 'file' } },
          },
          'x-kubernetes-action': 'post',
          'x-kubernetes-group-version-kind': GVK,
        },
      },
    },
    definitions: {
      [OBJECT_META]: {
        type: 'object',
        properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
      },
      [WIDGET]: {
        description: 'A Widget.',
        type: 'object',
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: `#/definitions/${OBJECT_META}`, description: 'Standard object metadata.' },
          spec: {
            type: 'object',
            additionalProperties: false,
            properties: {
              size: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, maxLength: 4, default: 2 },
              color: { type: 'string', enum: ['red', 'on', '0755'] },
              tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
              quantity: { 'x-kubernetes-int-or-string': true },
              both: { allOf: [{ $ref: `#/definitions/${OBJECT_META}` }] },
            },
          },
        },
        'x-kubernetes-group-version-kind': [GVK],
      },
    },
  };
}

// ---- navigation over the decoded message (plain objects keyed by .proto field names) ----------

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as { readonly [k: string]: unknown })[name]
    : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The `value` of the `Named*` pair called `name` in a repeated field. */
function entry(pairs: unknown, name: string): unknown {
  return field(
    list(pairs).find((pair) => field(pair, 'name') === name),
    'value',
  );
}

function names(pairs: unknown): unknown[] {
  return list(pairs).map((pair) => field(pair, 'name'));
}

function definition(doc: OpenApiV2Message, name: string): unknown {
  return entry(field(doc['definitions'], 'additional_properties'), name);
}

function property(schema: unknown, name: string): unknown {
  return entry(field(field(schema, 'properties'), 'additional_properties'), name);
}

/** Parses an `Any` the way kubectl does (YAML 1.1, gopkg.in/yaml.v2). */
function anyValue(any: unknown): unknown {
  const text = field(any, 'yaml');
  return typeof text === 'string' ? YAML.parse(text, { version: '1.1' }) : undefined;
}

function extension(message: unknown, name: string): unknown {
  return anyValue(entry(field(message, 'vendor_extension'), name));
}

function encodeCollecting(doc: JsonObject): { decoded: OpenApiV2Message; dropped: DroppedConstruct[] } {
  const dropped: DroppedConstruct[] = [];
  const bytes = encodeOpenApiV2Protobuf(doc, { onDropped: (d) => dropped.push(d) });
  return { decoded: decodeOpenApiV2Protobuf(bytes), dropped };
}

// ---- tests -----------------------------------------------------------------------------------

t.test('definitions round-trip with the structure kubectl reads', async (t) => {
  const { decoded: doc, dropped } = encodeCollecting(representativeDoc());
  t.same(dropped, [], 'a plain Swagger 2.0 document loses nothing');
  t.equal(doc['swagger'], '2.0');
  t.same(names(field(doc['definitions'], 'additional_properties')), [OBJECT_META, WIDGET], 'definitions in document order');

  const widget = definition(doc, WIDGET);
  t.same(field(widget, 'type'), { value: ['object'] }, 'type is a TypeItem list');
  t.same(field(widget, 'required'), ['spec']);
  t.equal(field(widget, 'description'), 'A Widget.');
  t.same(extension(widget, 'x-kubernetes-group-version-kind'), [GVK], 'GVK extension survives as YAML');
  t.same(names(field(field(widget, 'properties'), 'additional_properties')), ['apiVersion', 'kind', 'metadata', 'spec']);

  const metadata = property(widget, 'metadata');
  t.equal(field(metadata, '_ref'), `#/definitions/${OBJECT_META}`, '$ref becomes _ref');
  t.equal(field(metadata, 'description'), 'Standard object metadata.');

  const spec = property(widget, 'spec');
  t.same(field(spec, 'additional_properties'), { boolean: false }, 'additionalProperties: false is kept');
  const size = property(spec, 'size');
  t.same(field(size, 'type'), { value: ['integer'] });
  t.equal(field(size, 'format'), 'int32');
  t.equal(field(size, 'minimum'), 1);
  t.equal(field(size, 'maximum'), 100);
  t.equal(field(size, 'max_length'), 4, 'int64 keywords');
  t.equal(anyValue(field(size, 'default')), 2, 'default as YAML');
  t.same(
    list(field(property(spec, 'color'), 'enum')).map(anyValue),
    ['red', 'on', '0755'],
    'enum values stay strings for a YAML 1.1 reader',
  );
  const tags = property(spec, 'tags');
  t.same(field(field(tags, 'items'), 'schema'), [{ type: { value: ['string'] } }], 'items is an ItemsItem list');
  t.equal(extension(tags, 'x-kubernetes-list-type'), 'set');
  t.equal(extension(property(spec, 'quantity'), 'x-kubernetes-int-or-string'), true);
  t.same(field(property(spec, 'both'), 'all_of'), [{ _ref: `#/definitions/${OBJECT_META}` }]);
  const labels = property(definition(doc, OBJECT_META), 'labels');
  t.same(field(labels, 'additional_properties'), { schema: { type: { value: ['string'] } } }, 'map value schema');
});

t.test('paths, parameters and responses round-trip', async (t) => {
  const { decoded: doc } = encodeCollecting(representativeDoc());
  const collection = entry(field(doc['paths'], 'path'), COLLECTION);
  t.same(list(field(collection, 'parameters')), [
    { json_reference: { _ref: '#/parameters/pretty' } },
    { parameter: { non_body_parameter: { path_parameter_sub_schema: { name: 'namespace', in: 'path', type: 'string', required: true } } } },
  ]);

  const post = field(collection, 'post');
  t.equal(field(post, 'operation_id'), 'createConvergeV1alpha1NamespacedWidget');
  t.same(field(post, 'produces'), ['application/json', 'application/yaml']);
  t.same(extension(post, 'x-kubernetes-group-version-kind'), GVK, 'operation GVK (used to find fieldValidation support)');
  t.equal(extension(post, 'x-kubernetes-action'), 'post');
  t.same(list(field(post, 'parameters')), [
    { json_reference: { _ref: '#/parameters/body' } },
    { parameter: { non_body_parameter: { query_parameter_sub_schema: { name: 'dryRun', in: 'query', type: 'string', unique_items: true } } } },
    {
      parameter: {
        non_body_parameter: {
          header_parameter_sub_schema: {
            name: 'X-Trace', in: 'header', type: 'array', items: { type: 'integer', format: 'int64' }, collection_format: 'csv',
          },
        },
      },
    },
  ]);

  const codes = field(field(post, 'responses'), 'response_code');
  t.same(names(codes), ['200', '201', '401', 'default']);
  t.same(entry(codes, '200'), { response: { description: 'OK', schema: { schema: { _ref: `#/definitions/${WIDGET}` } } } });
  t.same(entry(codes, '401'), { json_reference: { _ref: '#/responses/Unauthorized' } });
  t.same(entry(codes, 'default'), { response: { description: 'error', schema: { file_schema: { type: 'file' } } } });

  t.same(entry(field(doc['parameters'], 'additional_properties'), 'body'), {
    body_parameter: { name: 'body', in: 'body', required: true, schema: { _ref: `#/definitions/${WIDGET}` } },
  });
  t.same(entry(field(doc['responses'], 'additional_properties'), 'Unauthorized'), {
    description: 'Unauthorized',
    headers: { additional_properties: [{ name: 'WWW-Authenticate', value: { type: 'string' } }] },
  });
});

t.test('security, info and tags round-trip', async (t) => {
  const { decoded: doc } = encodeCollecting(representativeDoc());
  const schemes = field(doc['security_definitions'], 'additional_properties');
  t.same(entry(schemes, 'BearerToken'), {
    api_key_security: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token' },
  });
  t.same(entry(schemes, 'Basic'), { basic_authentication_security: { type: 'basic' } });
  t.match(entry(schemes, 'OAuth'), {
    oauth2_access_code_security: { flow: 'accessCode', scopes: { additional_properties: [{ name: 'read', value: 'r' }] } },
  });
  t.same(doc['security'], [{ additional_properties: [{ name: 'BearerToken', value: {} }] }]);
  t.same(doc['info'], { title: 'Converge', version: 'v0.1.0', contact: { name: 'maintainers' }, license: { name: 'Apache-2.0' } });
  t.same(doc['tags'], [{ name: 'converge.io_v1alpha1', external_docs: { url: 'https://converge.io' } }]);
});

t.test('encoding is deterministic, so its hash can serve as the ETag', async (t) => {
  t.same(encodeOpenApiV2Protobuf(representativeDoc()), encodeOpenApiV2Protobuf(representativeDoc()));
});

// Constructs gnostic's model cannot hold: each is reported and left out, the rest is still served.
const unsupported: ReadonlyArray<{ name: string; patch: (widget: JsonObject, doc: JsonObject) => void; path: string }> = [
  { name: 'OpenAPI v3 nullable', patch: (w) => void (w['nullable'] = true), path: `/definitions/${WIDGET}/nullable` },
  { name: 'JSON-schema oneOf', patch: (w) => void (w['oneOf'] = [{ required: ['spec'] }]), path: `/definitions/${WIDGET}/oneOf` },
  { name: 'non-integral maxLength', patch: (w) => void (w['maxLength'] = 1.5), path: `/definitions/${WIDGET}/maxLength` },
  { name: 'required as a string', patch: (w) => void (w['required'] = 'spec'), path: `/definitions/${WIDGET}/required` },
  { name: 'tuple-form items', patch: (w) => void (w['items'] = [{ type: 'string' }]), path: `/definitions/${WIDGET}/items` },
  { name: 'a property that is not a schema', patch: (w) => void (w['properties'] = { odd: true, kind: { type: 'string' } }), path: `/definitions/${WIDGET}/properties/odd` },
  {
    name: 'parameter in a cookie',
    patch: (_w, doc) => void (doc['parameters'] = { c: { name: 'c', in: 'cookie', type: 'string' } }),
    path: '/parameters/c',
  },
  {
    name: 'openIdConnect security scheme',
    patch: (_w, doc) => void (doc['securityDefinitions'] = { oidc: { type: 'openIdConnect' } }),
    path: '/securityDefinitions/oidc',
  },
  {
    name: 'path key without a slash',
    patch: (_w, doc) => void (doc['paths'] = { widgets: {} }),
    path: '/paths/widgets',
  },
];

for (const c of unsupported) {
  t.test(`unsupported: ${c.name} is reported, dropped, and the GVK still served`, async (t) => {
    const doc = representativeDoc();
    const definitions = doc['definitions'];
    const widget = typeof definitions === 'object' && definitions !== null && !Array.isArray(definitions) ? definitions[WIDGET] : undefined;
    if (typeof widget !== 'object' || widget === null || Array.isArray(widget)) throw new Error('fixture has no Widget');
    c.patch(widget, doc);
    const { decoded, dropped } = encodeCollecting(doc);
    t.same(
      dropped.map((d) => d.path),
      [c.path],
      'exactly the unsupported construct is reported',
    );
    t.ok(dropped[0]?.reason, 'with a reason');
    t.same(extension(definition(decoded, WIDGET), 'x-kubernetes-group-version-kind'), [GVK]);
  });
}

t.test('tuple-form items become one unconstrained schema (kubectl needs exactly one)', async (t) => {
  const { decoded } = encodeCollecting({
    swagger: '2.0',
    definitions: { Pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] } },
  });
  t.same(field(definition(decoded, 'Pair'), 'items'), { schema: [{}] });
});

t.test('decoding something that is not a Document fails with BadRequestError', async (t) => {
  const truncated = Uint8Array.from([0x0a, 0xff]);
  t.throws(() => decodeOpenApiV2Protobuf(truncated), BadRequestError);
});

const acceptCases: ReadonlyArray<{ accept: string; protobuf: boolean }> = [
  { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', protobuf: true },
  { accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', protobuf: true },
  { accept: 'application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf;q=0.9', protobuf: true },
  { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf; q=0', protobuf: false },
  { accept: 'application/json', protobuf: false },
  { accept: '*/*', protobuf: false },
  { accept: '', protobuf: false },
];

for (const c of acceptCases) {
  t.test(`Accept ${JSON.stringify(c.accept)} → ${c.protobuf ? 'protobuf' : 'JSON'}`, async (t) => {
    t.equal(acceptsOpenApiV2Protobuf(c.accept), c.protobuf);
  });
}
