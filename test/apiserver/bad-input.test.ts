import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { INSTANCES, instance } from './fixtures.js';

const server = await startTestServer();
t.teardown(() => server.stop());

/** Generous bound: the issue asks for "well under 100 ms"; this catches hangs and quadratic blow-ups. */
const FAST_MS = 250;

interface Case {
  readonly name: string;
  readonly raw?: string | Uint8Array;
  readonly json?: unknown;
  readonly contentType?: string;
  readonly path?: string;
  readonly method?: string;
  readonly status: number;
  /** Field that must be named in `details.causes`. */
  readonly field?: string;
  /** Pattern the message must match. */
  readonly message?: RegExp;
}

const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  .concat(Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`))
  .join('\n');

const cases: Case[] = [
  { name: 'malformed JSON', raw: '{"apiVersion": "converge.io/v1alpha1", ', status: 400, message: /JSON/i },
  { name: 'malformed YAML', raw: 'apiVersion: [unclosed\nkind: Instance', contentType: 'application/yaml', status: 400, message: /YAML/i },
  { name: 'body is not an object', raw: '[1,2,3]', status: 400 },
  { name: 'unknown kind path', path: '/apis/converge.io/v1alpha1/namespaces/default/widgets', json: instance('x'), status: 404 },
  { name: 'kind does not match the endpoint', json: { ...instance('x'), kind: 'Volume' }, status: 422, field: 'kind' },
  { name: 'wrong type', json: instance('x', { spec: { memoryMiB: '4G' } }), status: 422, field: 'spec.memoryMiB', message: /Invalid value: "4G": expected integer, got string/ },
  { name: 'missing required field', json: { ...instance('x'), spec: { providerRef: { name: 'default' }, vcpus: 1, memoryMiB: 64 } }, status: 422, field: 'spec.image' },
  { name: 'unknown field', json: instance('x', { spec: { memory: 5 } }), status: 422, field: 'spec.memory' },
  { name: 'bad enum', json: instance('x', { spec: { runStrategy: 'Sometimes' } }), status: 422, field: 'spec.runStrategy', message: /Always/ },
  { name: 'zero size', json: instance('x', { spec: { vcpus: 0 } }), status: 422, field: 'spec.vcpus' },
  { name: 'name not DNS-1123', json: instance('Web_1'), status: 422, field: 'metadata.name', message: /DNS-1123/ },
  { name: 'missing name', json: { ...instance('x'), metadata: {} }, status: 422, field: 'metadata.name' },
  { name: 'bad label value', json: instance('x', { labels: { tier: 'has spaces' } }), status: 422, field: 'metadata.labels' },
  { name: 'namespace mismatch', json: { ...instance('x'), metadata: { name: 'x', namespace: 'other' } }, status: 400, message: /namespace/ },
  { name: 'resourceVersion on create', json: { ...instance('x'), metadata: { name: 'x', resourceVersion: '5' } }, status: 422, field: 'metadata.resourceVersion' },
  { name: 'unsupported media type', raw: 'x', contentType: 'text/plain', status: 415 },
  { name: 'oversized body', raw: JSON.stringify({ ...instance('x'), spec: { pad: 'x'.repeat(3 * 1024 * 1024) } }), status: 413 },
  { name: 'YAML alias bomb', raw: aliasBomb, contentType: 'application/yaml', status: 400 },
  { name: 'deeply nested JSON', raw: '['.repeat(100_000) + ']'.repeat(100_000), status: 400, message: /depth|nest/i },
  { name: 'deeply nested YAML', raw: 'a: ' + '['.repeat(20_000) + ']'.repeat(20_000), contentType: 'application/yaml', status: 400 },
  { name: 'duplicate keys', raw: '{"apiVersion":"converge.io/v1alpha1","apiVersion":"v1","kind":"Instance","metadata":{"name":"x"}}', status: 400, message: /duplicate/i },
  { name: 'invalid UTF-8', raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), status: 400 },
  { name: 'bad dryRun', path: `${INSTANCES}?dryRun=Yes`, json: instance('x'), status: 422, field: 'dryRun' },
  { name: 'bad limit', path: `${INSTANCES}?limit=-1`, method: 'GET', status: 400, message: /limit/ },
  { name: 'method not allowed', path: INSTANCES, method: 'PUT', json: instance('x'), status: 405 },
  { name: 'unknown subresource', path: `${INSTANCES}/x/scale`, method: 'GET', status: 404 },
];

// Warm up first: the first request of a process pays for JIT compilation and lazy module loading, which is not
// what the latency bound is about.
await request(server.url, INSTANCES, { method: 'POST', raw: '{' });
await request(server.url, INSTANCES, { method: 'POST', json: instance('warm-up') });

for (const c of cases) {
  t.test(c.name, async (t) => {
    const before = await server.backend.stats();
    const started = performance.now();
    const res = await request(server.url, c.path ?? INSTANCES, {
      method: c.method ?? 'POST',
      ...(c.json !== undefined ? { json: c.json } : {}),
      ...(c.raw !== undefined ? { raw: c.raw } : {}),
      ...(c.contentType ? { contentType: c.contentType } : {}),
    });
    const elapsed = performance.now() - started;
    t.equal(res.status, c.status, `${c.name}: ${res.text.slice(0, 300)}`);
    t.match(res.body, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: c.status });
    t.notMatch(res.text, /\s+at .+\(.*:\d+:\d+\)/, 'no stack trace in the response');
    if (c.field) {
      const causes = ((res.body['details'] as { causes?: { field: string }[] } | undefined)?.causes ?? []).map((x) => x.field);
      t.ok(causes.some((f) => f === c.field || f.startsWith(`${c.field}.`) || f.startsWith(`${c.field}[`)), `cause names ${c.field}: ${causes.join(', ')}`);
    }
    if (c.message) t.match(String(res.body['message']), c.message);
    t.ok(elapsed < FAST_MS, `answered in ${elapsed.toFixed(1)} ms`);
    t.equal((await server.backend.stats()).revision, before.revision, 'nothing written');
  });
}

t.test('the server is still healthy after all of it', async (t) => {
  t.equal((await request(server.url, '/readyz')).status, 200);
  t.equal((await request(server.url, INSTANCES, { method: 'POST', json: instance('ok-after') })).status, 201);
});
