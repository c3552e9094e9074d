import t from 'tap';
import { BadRequestError, ConvergeError } from '../../../src/errors/index.js';
import { decodeBody, decodeObject, MediaType } from '../../../src/apiserver/util/decode.js';
import { expectError } from './expect-error.js';

const OBJECT_TYPES = [MediaType.Json, MediaType.Yaml];
const PATCH_TYPES = [MediaType.MergePatch, MediaType.JsonPatch, MediaType.ApplyPatchYaml];
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

t.test('chooses the parser from the media type', async (t) => {
  const cases: { contentType: string | undefined; body: string; allowed: readonly string[]; kind: string; mediaType: string; value: unknown }[] = [
    { contentType: 'application/json', body: '{"a":1}', allowed: OBJECT_TYPES, kind: 'json', mediaType: 'application/json', value: { a: 1 } },
    { contentType: 'application/json; charset=utf-8', body: '{"a":1}', allowed: OBJECT_TYPES, kind: 'json', mediaType: 'application/json', value: { a: 1 } },
    { contentType: 'Application/JSON', body: '[1]', allowed: OBJECT_TYPES, kind: 'json', mediaType: 'application/json', value: [1] },
    { contentType: 'application/yaml', body: 'a: 1', allowed: OBJECT_TYPES, kind: 'yaml', mediaType: 'application/yaml', value: { a: 1 } },
    { contentType: undefined, body: '{"a":1}', allowed: OBJECT_TYPES, kind: 'json', mediaType: 'application/json', value: { a: 1 } },
    { contentType: '', body: '{"a":1}', allowed: OBJECT_TYPES, kind: 'json', mediaType: 'application/json', value: { a: 1 } },
    { contentType: 'application/merge-patch+json', body: '{"a":null}', allowed: PATCH_TYPES, kind: 'json', mediaType: 'application/merge-patch+json', value: { a: null } },
    { contentType: 'application/json-patch+json', body: '[{"op":"remove","path":"/a"}]', allowed: PATCH_TYPES, kind: 'json', mediaType: 'application/json-patch+json', value: [{ op: 'remove', path: '/a' }] },
    { contentType: 'application/apply-patch+yaml', body: 'spec:\n  vcpus: 2', allowed: PATCH_TYPES, kind: 'yaml', mediaType: 'application/apply-patch+yaml', value: { spec: { vcpus: 2 } } },
    { contentType: 'application/apply-patch+yaml', body: '{"spec":{"vcpus":2}}', allowed: PATCH_TYPES, kind: 'yaml', mediaType: 'application/apply-patch+yaml', value: { spec: { vcpus: 2 } } },
  ];
  for (const c of cases) {
    const got = decodeBody({ body: buf(c.body), contentType: c.contentType, allowed: c.allowed });
    t.same(got, { kind: c.kind, mediaType: c.mediaType, value: c.value }, `${String(c.contentType)}: ${c.body}`);
  }
});

t.test('unsupported media types are 415 listing what is accepted', async (t) => {
  const cases: { contentType: string | undefined; allowed: readonly string[]; requireContentType?: boolean; list: string }[] = [
    { contentType: 'text/plain', allowed: OBJECT_TYPES, list: 'application/json, application/yaml' },
    { contentType: 'application/x-www-form-urlencoded', allowed: OBJECT_TYPES, list: 'application/json, application/yaml' },
    { contentType: 'application/vnd.kubernetes.protobuf', allowed: OBJECT_TYPES, list: 'application/json, application/yaml' },
    { contentType: 'application/strategic-merge-patch+json', allowed: PATCH_TYPES, list: PATCH_TYPES.join(', ') },
    { contentType: 'application/json', allowed: PATCH_TYPES, list: PATCH_TYPES.join(', ') },
    { contentType: 'json', allowed: OBJECT_TYPES, list: 'application/json, application/yaml' },
    { contentType: 'application/json/x', allowed: OBJECT_TYPES, list: 'application/json, application/yaml' },
    { contentType: undefined, allowed: PATCH_TYPES, requireContentType: true, list: PATCH_TYPES.join(', ') },
    { contentType: 'image/png', allowed: ['image/png'], list: 'image/png' },
  ];
  for (const c of cases) {
    expectError(
      t,
      () => decodeBody({ body: buf('{}'), contentType: c.contentType, allowed: c.allowed, requireContentType: c.requireContentType ?? false }),
      { type: ConvergeError, status: 415, message: new RegExp(`^the body of the request was in an unknown format - accepted media types include: ${c.list.replace(/[+.]/g, '\\$&')}$`) },
      String(c.contentType),
    );
  }
});

t.test('invalid UTF-8 is 400 naming the byte offset', async (t) => {
  const cases: { name: string; bytes: number[]; offset: number }[] = [
    { name: 'stray continuation byte', bytes: [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d], offset: 6 },
    { name: 'truncated sequence', bytes: [0x22, 0xe2, 0x82, 0x22], offset: 1 },
    { name: 'overlong encoding', bytes: [0x22, 0xc0, 0xaf, 0x22], offset: 1 },
    { name: 'encoded surrogate', bytes: [0x22, 0xed, 0xa0, 0x80, 0x22], offset: 1 },
    { name: 'beyond U+10FFFF', bytes: [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], offset: 1 },
    { name: 'latin-1 text', bytes: [...Buffer.from('{"name":"caf'), 0xe9, ...Buffer.from('"}')], offset: 12 },
  ];
  for (const c of cases) {
    for (const contentType of ['application/json', 'application/yaml']) {
      expectError(
        t,
        () => decodeBody({ body: Buffer.from(c.bytes), contentType, allowed: OBJECT_TYPES }),
        { type: BadRequestError, status: 400, message: new RegExp(`^request body is not valid UTF-8 \\(first invalid byte at offset ${c.offset}\\)$`) },
        `${c.name} as ${contentType}`,
      );
    }
  }
  t.same(decodeObject(Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"a":"é"}')]), 'application/json'), { a: 'é' }, 'a UTF-8 BOM is dropped');
});

t.test('decodeObject requires one object', async (t) => {
  t.same(decodeObject(buf('kind: Instance'), 'application/yaml'), { kind: 'Instance' });
  for (const [body, what] of [['[1]', 'an array'], ['null', 'null'], ['"s"', 'a string'], ['7', 'a number'], ['', 'null']] as const) {
    const contentType = body === '' ? 'application/yaml' : 'application/json';
    expectError(t, () => decodeObject(buf(body), contentType), { type: BadRequestError, status: 400, message: new RegExp(`^request body must be an object, not ${what}$`) }, body);
  }
  expectError(t, () => decodeObject(buf(''), 'application/json'), { type: BadRequestError, message: /unexpected end of input/ }, 'empty JSON');
});

t.test('strictness options reach both parsers', async (t) => {
  for (const [contentType, body] of [['application/json', '{"a":1,"a":2}'], ['application/yaml', 'a: 1\na: 2']] as const) {
    expectError(t, () => decodeObject(buf(body), contentType), { type: BadRequestError, message: /duplicate field "a"/ }, `${contentType} strict`);
    const warnings: string[] = [];
    t.same(decodeObject(buf(body), contentType, { duplicateKeys: 'warn', onWarning: (w) => warnings.push(w) }), { a: 2 });
    t.same(warnings, ['duplicate field "a"'], `${contentType} warn`);
    expectError(t, () => decodeObject(buf(contentType === 'application/json' ? '{"a":[[1]]}' : 'a: [[1]]'), contentType, { maxDepth: 2 }), { message: /nesting depth/ }, `${contentType} depth`);
  }
});

t.test('hostile 3 MiB bodies finish in bounded time', async (t) => {
  const MiB3 = 3 * 1024 * 1024;
  const bodies: [string, string, Buffer][] = [
    ['deep JSON', 'application/json', buf('['.repeat(MiB3 / 2) + ']'.repeat(MiB3 / 2))],
    ['deep JSON as YAML', 'application/yaml', buf('['.repeat(MiB3 / 2) + ']'.repeat(MiB3 / 2))],
    ['big YAML', 'application/yaml', buf('a: ' + 'x '.repeat(MiB3 / 2))],
    ['invalid UTF-8 at the end', 'application/json', Buffer.concat([buf('"' + 'a'.repeat(MiB3)), Buffer.from([0xff, 0x22])])],
    ['zeros', 'application/json', Buffer.alloc(MiB3)],
  ];
  for (const [name, contentType, body] of bodies) {
    const start = performance.now();
    try {
      decodeBody({ body, contentType, allowed: OBJECT_TYPES });
      t.fail(`${name}: should be refused`);
    } catch (err) {
      t.ok(err instanceof ConvergeError && err.httpStatus >= 400 && err.httpStatus < 500, `${name}: client error (${(err as Error).message.slice(0, 80)})`);
    }
    t.ok(performance.now() - start < 1000, `${name}: ${(performance.now() - start).toFixed(0)} ms`);
  }
});
