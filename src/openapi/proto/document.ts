/**
 * gnostic's model of the Swagger 2.0 document around the schemas: info, paths, operations,
 * parameters, responses and security. Field tables mirror OpenAPIv2.proto; gnostic's oneofs are
 * decided the way gnostic decides them (by `$ref`, `in`, `type` and `flow`).
 */
import type { JsonObject } from '../../../schemas/object.js';
import {
  bool,
  convertMessage,
  isJsonObject,
  message,
  namedMap,
  oneof,
  repeated,
  str,
  strings,
  anyValue,
  type Converter,
  type DropReporter,
  type FieldSpec,
  type MessageSpec,
  type ProtoMessage,
} from './fields.js';
import { externalDocs, header, isReference, jsonReference, primitiveKeywords, schema, schemaItem } from './schema.js';

const ext = 'vendor_extension';

const info: Converter = message({
  name: 'Info',
  fields: {
    title: ['title', str],
    version: ['version', str],
    description: ['description', str],
    termsOfService: ['terms_of_service', str],
    contact: [
      'contact',
      message({
        name: 'Contact',
        fields: { name: ['name', str], url: ['url', str], email: ['email', str] },
        extensions: ext,
      }),
    ],
    license: [
      'license',
      message({ name: 'License', fields: { name: ['name', str], url: ['url', str] }, extensions: ext }),
    ],
  },
  extensions: ext,
});

const tag: Converter = message({
  name: 'Tag',
  fields: { name: ['name', str], description: ['description', str], externalDocs: ['external_docs', externalDocs] },
  extensions: ext,
});

// ---- parameters -------------------------------------------------------------------------------

const parameterBasics: Readonly<Record<string, FieldSpec>> = {
  required: ['required', bool],
  in: ['in', str],
  description: ['description', str],
  name: ['name', str],
};

function subSchema(name: string, options: { allowEmptyValue: boolean }): MessageSpec {
  const allowEmpty: Record<string, FieldSpec> = options.allowEmptyValue
    ? { allowEmptyValue: ['allow_empty_value', bool] }
    : {};
  return { name, fields: { ...parameterBasics, ...allowEmpty, ...primitiveKeywords }, extensions: ext };
}

/** `NonBodyParameter` oneof member and message, by the parameter's `in`. */
const nonBodyByLocation: Readonly<Record<string, readonly [member: string, spec: MessageSpec]>> = {
  header: ['header_parameter_sub_schema', subSchema('HeaderParameterSubSchema', { allowEmptyValue: false })],
  formData: ['form_data_parameter_sub_schema', subSchema('FormDataParameterSubSchema', { allowEmptyValue: true })],
  query: ['query_parameter_sub_schema', subSchema('QueryParameterSubSchema', { allowEmptyValue: true })],
  path: ['path_parameter_sub_schema', subSchema('PathParameterSubSchema', { allowEmptyValue: false })],
};

const bodyParameterSpec: MessageSpec = {
  name: 'BodyParameter',
  fields: { ...parameterBasics, schema: ['schema', schema] },
  extensions: ext,
};

/** `Parameter`: oneof body / non-body, and within non-body oneof by location. */
const parameter: Converter = (value, ctx) => {
  const where = isJsonObject(value) ? value['in'] : undefined;
  if (where === 'body') return oneof('body_parameter', convertMessage(value, bodyParameterSpec, ctx));
  const nonBody =
    typeof where === 'string' && Object.hasOwn(nonBodyByLocation, where) ? nonBodyByLocation[where] : undefined;
  if (nonBody === undefined) {
    const got = JSON.stringify(where);
    ctx.dropped(ctx.path, `a parameter needs "in" of body, header, formData, query or path, got ${got}`);
    return undefined;
  }
  const [member, spec] = nonBody;
  return oneof('non_body_parameter', oneof(member, convertMessage(value, spec, ctx)));
};

/** `ParametersItem`: an inline parameter or a `$ref` to `#/parameters/…`. */
const parametersItem: Converter = (value, ctx) =>
  isReference(value) ? oneof('json_reference', jsonReference(value, ctx)) : oneof('parameter', parameter(value, ctx));

// ---- responses --------------------------------------------------------------------------------

const response: Converter = message({
  name: 'Response',
  fields: {
    description: ['description', str],
    schema: ['schema', schemaItem],
    headers: ['headers', namedMap(header)],
    examples: ['examples', namedMap(anyValue)],
  },
  extensions: ext,
});

const responseValue: Converter = (value, ctx) =>
  isReference(value) ? oneof('json_reference', jsonReference(value, ctx)) : oneof('response', response(value, ctx));

const responses: Converter = message({
  name: 'Responses',
  fields: {},
  extensions: ext,
  patterned: { test: /^([0-9]{3})$|^(default)$/, field: 'response_code', convert: responseValue },
});

// ---- security ---------------------------------------------------------------------------------

const stringArray: Converter = (value, ctx) => {
  const list = strings(value, ctx);
  return list === undefined ? undefined : { value: list };
};

/** `SecurityRequirement`: scheme name → required scopes. */
const securityRequirement: Converter = namedMap(stringArray);

function securityScheme(name: string, keys: readonly string[]): MessageSpec {
  const all: Readonly<Record<string, FieldSpec>> = {
    type: ['type', str],
    name: ['name', str],
    in: ['in', str],
    flow: ['flow', str],
    scopes: ['scopes', namedMap(str)],
    authorizationUrl: ['authorization_url', str],
    tokenUrl: ['token_url', str],
    description: ['description', str],
  };
  const fields: Record<string, FieldSpec> = {};
  for (const key of keys) {
    const field = all[key];
    if (field !== undefined) fields[key] = field;
  }
  return { name, fields, extensions: ext };
}

/** `SecurityDefinitionsItem` oneof member and message, keyed by `type` (and `flow` for oauth2). */
const securitySchemes: Readonly<Record<string, readonly [member: string, spec: MessageSpec]>> = {
  basic: ['basic_authentication_security', securityScheme('BasicAuthenticationSecurity', ['type', 'description'])],
  apiKey: ['api_key_security', securityScheme('ApiKeySecurity', ['type', 'name', 'in', 'description'])],
  'oauth2/implicit': [
    'oauth2_implicit_security',
    securityScheme('Oauth2ImplicitSecurity', ['type', 'flow', 'scopes', 'authorizationUrl', 'description']),
  ],
  'oauth2/password': [
    'oauth2_password_security',
    securityScheme('Oauth2PasswordSecurity', ['type', 'flow', 'scopes', 'tokenUrl', 'description']),
  ],
  'oauth2/application': [
    'oauth2_application_security',
    securityScheme('Oauth2ApplicationSecurity', ['type', 'flow', 'scopes', 'tokenUrl', 'description']),
  ],
  'oauth2/accessCode': [
    'oauth2_access_code_security',
    securityScheme('Oauth2AccessCodeSecurity', [
      'type',
      'flow',
      'scopes',
      'authorizationUrl',
      'tokenUrl',
      'description',
    ]),
  ],
};

const securityDefinitionsItem: Converter = (value, ctx) => {
  const type = isJsonObject(value) ? value['type'] : undefined;
  const key = type === 'oauth2' && isJsonObject(value) ? `oauth2/${String(value['flow'])}` : String(type);
  const scheme = Object.hasOwn(securitySchemes, key) ? securitySchemes[key] : undefined;
  if (scheme === undefined) {
    ctx.dropped(ctx.path, `unsupported security scheme ${JSON.stringify(key)}`);
    return undefined;
  }
  return oneof(scheme[0], convertMessage(value, scheme[1], ctx));
};

// ---- paths and the document -------------------------------------------------------------------

const operation: Converter = message({
  name: 'Operation',
  fields: {
    tags: ['tags', strings],
    summary: ['summary', str],
    description: ['description', str],
    externalDocs: ['external_docs', externalDocs],
    operationId: ['operation_id', str],
    produces: ['produces', strings],
    consumes: ['consumes', strings],
    parameters: ['parameters', repeated(parametersItem)],
    responses: ['responses', responses],
    schemes: ['schemes', strings],
    deprecated: ['deprecated', bool],
    security: ['security', repeated(securityRequirement)],
  },
  extensions: ext,
});

const pathItem: Converter = message({
  name: 'PathItem',
  fields: {
    $ref: ['_ref', str],
    get: ['get', operation],
    put: ['put', operation],
    post: ['post', operation],
    delete: ['delete', operation],
    options: ['options', operation],
    head: ['head', operation],
    patch: ['patch', operation],
    parameters: ['parameters', repeated(parametersItem)],
  },
  extensions: ext,
});

const paths: Converter = message({
  name: 'Paths',
  fields: {},
  extensions: ext,
  patterned: { test: /^\//, field: 'path', convert: pathItem },
});

const documentSpec: MessageSpec = {
  name: 'Document',
  fields: {
    swagger: ['swagger', str],
    info: ['info', info],
    host: ['host', str],
    basePath: ['base_path', str],
    schemes: ['schemes', strings],
    consumes: ['consumes', strings],
    produces: ['produces', strings],
    paths: ['paths', paths],
    definitions: ['definitions', namedMap(schema)],
    parameters: ['parameters', namedMap(parameter)],
    responses: ['responses', namedMap(response)],
    security: ['security', repeated(securityRequirement)],
    securityDefinitions: ['security_definitions', namedMap(securityDefinitionsItem)],
    tags: ['tags', repeated(tag)],
    externalDocs: ['external_docs', externalDocs],
  },
  extensions: ext,
};

/**
 * Converts a Swagger 2.0 document to a plain `openapi.v2.Document` object (proto field names).
 * Never throws on content: constructs gnostic cannot hold are passed to `dropped` and left out.
 */
export function convertDocument(doc: JsonObject, dropped: DropReporter): ProtoMessage {
  return convertMessage(doc, documentSpec, { path: '', dropped }) ?? {};
}
