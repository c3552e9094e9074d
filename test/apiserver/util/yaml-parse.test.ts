import t from 'tap';
import { BadRequestError, RequestTooLargeError } from '../../../src/errors/index.js';
import { parseYaml } from '../../../src/apiserver/util/yaml-parse.js';
import { expectError } from './expect-error.js';

/** Catches hangs and quadratic blow-ups (seconds to minutes), not speed: a loaded 2-core CI machine needs slack. */
const BOUND_MS = 5000;

/** `a: &a [x × 9]`, `b: &b [*a × 9]`, … : a billion laughs once expanded. */
const BILLION_LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat(
    Array.from({ length: 9 }, (_, i) => {
      const name = String.fromCharCode(98 + i);
      const prev = String.fromCharCode(97 + i);
      return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
  )
  .join('\n');

t.test('parses ordinary YAML into JSON values (YAML 1.2 core schema)', async (t) => {
  const cases: { text: string; want: unknown }[] = [
    {
      text: 'apiVersion: converge.io/v1alpha1\nkind: Instance\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  vcpus: 2\n  image: "debian-12"\n  volumes:\n  - name: root\n  - name: data\n',
      want: { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'web', labels: { app: 'web' } }, spec: { vcpus: 2, image: 'debian-12', volumes: [{ name: 'root' }, { name: 'data' }] } },
    },
    { text: 'userData: |\n  #!/bin/sh\n  echo hi\n', want: { userData: '#!/bin/sh\necho hi\n' } },
    { text: 'a: yes\nb: on\nc: 0777\nd: 0x10\ne: 0o17\nf: 1.5\ng: ~\nh: null\ni: true\nj: 2001-12-14', want: { a: 'yes', b: 'on', c: 777, d: 16, e: 15, f: 1.5, g: null, h: null, i: true, j: '2001-12-14' } },
    { text: 'a: !!str 12\nb: !!int "7"\nc: ! tagged', want: { a: '12', b: 7, c: 'tagged' } },
    { text: '80: http\ntrue: x\nnull: y', want: { '80': 'http', true: 'x', null: 'y' } },
    { text: '<<: {a: 1}\nb: 2', want: { '<<': { a: 1 }, b: 2 } },
    { text: 'a: &x {b: 1}\nc: *x', want: { a: { b: 1 }, c: { b: 1 } } },
    { text: '{a: 1, b: [x, y]}', want: { a: 1, b: ['x', 'y'] } },
    { text: '- 1\n- two', want: [1, 'two'] },
    { text: 'a: 1\n---\n', want: { a: 1 } },
    { text: '---\na: 1\n...\n', want: { a: 1 } },
    { text: '# only a comment\n', want: null },
    { text: '', want: null },
    { text: '\ufeffa: 1', want: { a: 1 } },
    { text: '{"json": [1, 2, {"x": null}]}', want: { json: [1, 2, { x: null }] } },
  ];
  for (const c of cases) t.same(parseYaml(c.text), c.want, JSON.stringify(c.text).slice(0, 60));
  const shared = parseYaml('a: &x {b: [1]}\nc: *x') as { a: { b: number[] }; c: { b: number[] } };
  shared.a.b.push(2);
  t.same(shared.c.b, [1], 'aliases are expanded into independent copies');
});

t.test('rejects unsafe or unrepresentable YAML with 400 and a position', async (t) => {
  const cases: { name: string; text: string; message: RegExp }[] = [
    { name: 'syntax error', text: 'a:\n  b: 1\n c: 2\n', message: /^invalid YAML at line 3 column 1: / },
    { name: 'unclosed flow', text: 'apiVersion: [unclosed\nkind: Instance', message: /^invalid YAML at line \d+ column \d+: .*(end with|Flow)/i },
    { name: 'tab indentation', text: 'a:\n\tb: 1', message: /line 2 column 1: Tabs are not allowed/ },
    { name: 'multiple documents', text: 'a: 1\n---\nb: 2\n', message: /line 2 column 1: multiple YAML documents are not allowed/ },
    { name: 'duplicate keys', text: 'metadata:\n  name: a\n  name: b\n', message: /line 3 column 3: duplicate field "metadata\.name"/ },
    { name: 'duplicate in list', text: 'items:\n- a: 1\n  a: 2\n', message: /duplicate field "items\[0\]\.a"/ },
    { name: 'custom tag', text: 'a: !foo bar', message: /line 1 column 4: Unresolved tag: !foo/ },
    { name: 'YAML 1.1 binary', text: 'a: !!binary aGVsbG8=', message: /Unresolved tag: tag:yaml.org,2002:binary/ },
    { name: 'YAML 1.1 set', text: 'a: !!set {x, y}', message: /Unresolved tag: tag:yaml.org,2002:set/ },
    { name: 'js function tag', text: 'a: !!js/function "function(){}"', message: /Unresolved tag/ },
    { name: 'collection key', text: '? [a]\n: b', message: /keys must be strings/ },
    { name: 'alias key', text: 'a: &k key\n*k : v', message: /keys must be strings/ },
    { name: 'infinity', text: 'a: .inf', message: /\.inf and \.nan cannot be represented/ },
    { name: 'nan', text: 'a: [.nan]', message: /\.inf and \.nan/ },
    { name: 'unknown alias', text: 'a: *nope', message: /line 1 column 4: unknown alias \*nope/ },
    { name: 'self-referencing alias', text: 'a: &a [*a, *a]', message: /nesting depth exceeds the limit of 100/ },
    { name: 'billion laughs', text: BILLION_LAUGHS, message: /more than 100 alias expansions/ },
  ];
  for (const c of cases) {
    const start = performance.now();
    expectError(t, () => parseYaml(c.text), { type: BadRequestError, status: 400, message: c.message }, c.name);
    t.ok(performance.now() - start < BOUND_MS, `${c.name}: fails fast`);
  }
});

t.test('__proto__ keys stay data', async (t) => {
  const value = parseYaml('__proto__:\n  polluted: true\nnested:\n  __proto__: [1]\n') as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(value), Object.prototype);
  t.same(Object.keys(value), ['__proto__', 'nested']);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.equal(JSON.stringify(value), '{"__proto__":{"polluted":true},"nested":{"__proto__":[1]}}');
});

t.test('duplicate keys can be downgraded to warnings (fieldValidation=Warn)', async (t) => {
  const warnings: string[] = [];
  t.same(parseYaml('a: 1\na: 2\n', { duplicateKeys: 'warn', onWarning: (w) => warnings.push(w) }), { a: 2 });
  t.same(warnings, ['duplicate field "a"']);
});

t.test('deep nesting is refused before the YAML composer can recurse', async (t) => {
  let block = '';
  for (let i = 0; i < 300; i++) block += `${' '.repeat(i)}a:\n`;
  const inputs: Record<string, string> = {
    'flow 10,000': 'a: ' + '['.repeat(10_000) + ']'.repeat(10_000),
    'flow 200,000 (JSON-looking)': '['.repeat(100_000) + ']'.repeat(100_000),
    'flow maps 10,000': '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000),
    'block maps 300': block,
    'compact sequences 10,000': '- '.repeat(10_000) + 'x',
  };
  for (const [name, text] of Object.entries(inputs)) {
    const start = performance.now();
    expectError(t, () => parseYaml(text), { type: BadRequestError, status: 400, message: /nesting depth exceeds the limit of 100/ }, name);
    t.ok(performance.now() - start < BOUND_MS, `${name}: fails fast (${(performance.now() - start).toFixed(0)} ms)`);
  }
  t.ok(parseYaml('a: ' + '['.repeat(99) + ']'.repeat(99)), '100 levels including the top map are fine');
});

t.test('size and expansion limits', async (t) => {
  const yaml = 'items:\n' + Array.from({ length: 30_000 }, (_, i) => `- name: item-${i}`).join('\n');
  expectError(t, () => parseYaml(yaml), { type: RequestTooLargeError, status: 413, message: /YAML request bodies are limited to 262144 bytes/ }, 'YAML over the cap');
  const json = JSON.stringify({ items: Array.from({ length: 60_000 }, (_, i) => ({ name: `item-${i}` })) });
  t.ok(json.length > 1024 * 1024);
  const start = performance.now();
  t.equal((parseYaml(json) as { items: unknown[] }).items.length, 60_000, 'JSON text takes the fast path regardless of size');
  t.ok(performance.now() - start < BOUND_MS);
  const fan = 'a: &a [' + Array(20_000).fill('xxxxxxxx').join(',') + ']\n' + Array.from({ length: 90 }, (_, k) => `b${k}: *a`).join('\n');
  expectError(t, () => parseYaml(fan), { type: BadRequestError, message: /expands beyond 4194304 bytes/ }, 'alias fan-out');
  t.same(parseYaml('a: 1', { maxYamlBytes: 10 }), { a: 1 });
  expectError(t, () => parseYaml('a: 12345', { maxYamlBytes: 5 }), { type: RequestTooLargeError }, 'custom cap');
});

t.test('many keys do not trigger the package’s quadratic duplicate check', async (t) => {
  const text = Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join('\n');
  const start = performance.now();
  t.equal(Object.keys(parseYaml(text) as object).length, 20_000);
  t.ok(performance.now() - start < BOUND_MS * 2, `${(performance.now() - start).toFixed(0)} ms`);
});
