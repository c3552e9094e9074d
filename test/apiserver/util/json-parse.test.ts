import t from 'tap';
import { BadRequestError } from '../../../src/errors/index.js';
import { parseJson } from '../../../src/apiserver/util/json-parse.js';
import { expectError } from './expect-error.js';

/** Generous bound: catches hangs and quadratic blow-ups, not micro-regressions. */
/** Catches hangs and quadratic blow-ups (seconds to minutes), not speed: a loaded 2-core CI machine needs slack. */
const BOUND_MS = 5000;

t.test('parses exactly what JSON.parse parses', async (t) => {
  const docs = [
    '{}',
    '[]',
    ' \t\r\n{"a" : [1, -2.5, 3e2, 4E-2, 0, -0, true, false, null, "x"]} \n',
    '"just a string"',
    '12',
    '{"esc":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"}',
    '{"unicode":"ünïcødé 名前 😀"}',
    '{"nested":{"a":{"b":{"c":[[[{}]]]}}}}',
    '{"big":123456789012345678901234567890,"small":1e-400}',
    '{"":"empty key","a b":"space"}',
  ];
  for (const doc of docs) t.same(parseJson(doc), JSON.parse(doc), doc);
  t.ok(Object.is(parseJson('-0'), -0), '-0 stays negative zero');
});

t.test('reports syntax errors with line and column', async (t) => {
  const cases: { text: string; message: RegExp }[] = [
    { text: '', message: /^invalid JSON at line 1 column 1: unexpected end of input$/ },
    { text: '{\n  "a": 1,\n  "b": }', message: /^invalid JSON at line 3 column 8: unexpected character '}'$/ },
    { text: '{"a":1,}', message: /line 1 column 8: expected a string key but found character '}'/ },
    { text: '[1,2,]', message: /line 1 column 6: unexpected character '\]'/ },
    { text: '{"a" 1}', message: /expected ':' after object key/ },
    { text: '{"a":1 "b":2}', message: /line 1 column 8: expected ',' or '}'/ },
    { text: '[1 2]', message: /expected ',' or '\]'/ },
    { text: '{a:1}', message: /expected a string key but found character 'a'/ },
    { text: "{'a':1}", message: /expected a string key/ },
    { text: '"abc', message: /unterminated string/ },
    { text: '"a\\qb"', message: /line 1 column 3: invalid escape sequence '\\q'/ },
    { text: '"a\\u12G4"', message: /invalid \\u escape/ },
    { text: '"tab\there"', message: /character U\+0009 in string/ },
    { text: '"new\nline"', message: /character U\+000A in string/ },
    { text: '01', message: /line 1 column 1: invalid number/ },
    { text: '1.', message: /invalid number/ },
    { text: '.5', message: /unexpected character '\.'/ },
    { text: '-', message: /invalid number/ },
    { text: '1e', message: /invalid number/ },
    { text: '+1', message: /unexpected character '\+'/ },
    { text: '1e400', message: /number out of range/ },
    { text: 'NaN', message: /unexpected character 'N'/ },
    { text: 'Infinity', message: /unexpected character 'I'/ },
    { text: 'tru', message: /unexpected character 't'/ },
    { text: 'nul', message: /unexpected/ },
    { text: '{} {}', message: /line 1 column 4: unexpected character '\{' after the top-level value/ },
    { text: '// comment\n{}', message: /unexpected character '\/'/ },
    { text: '\u00a0{}', message: /unexpected character/ },
    { text: '{"a":1}\u0000', message: /character U\+0000 after the top-level value/ },
  ];
  for (const c of cases) {
    expectError(t, () => parseJson(c.text), { type: BadRequestError, status: 400, message: c.message }, JSON.stringify(c.text));
  }
});

t.test('rejects duplicate keys (strict) or warns and keeps the last (warn)', async (t) => {
  const text = '{"metadata":{"name":"a","labels":{"x":"1"},"name":"b"},"spec":[{"k":1,"k":2}]}';
  expectError(t, () => parseJson(text), { type: BadRequestError, message: /line 1 column 44: duplicate field "metadata\.name"/ }, 'strict');
  const warnings: string[] = [];
  const value = parseJson(text, { duplicateKeys: 'warn', onWarning: (m) => warnings.push(m) });
  t.same(value, { metadata: { name: 'b', labels: { x: '1' } }, spec: [{ k: 2 }] });
  t.same(warnings, ['duplicate field "metadata.name"', 'duplicate field "spec[0].k"']);
  expectError(t, () => parseJson('{"a":1,"\\u0061":2}'), { message: /duplicate field "a"/ }, 'escaped duplicate');
});

t.test('__proto__ and friends are plain keys, never prototypes', async (t) => {
  const value = parseJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":{"__proto__":[1]}}') as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(value), Object.prototype);
  t.same(Object.keys(value), ['__proto__', 'constructor', 'a']);
  t.same(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { polluted: true });
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype untouched');
  t.equal((value as { polluted?: unknown }).polluted, undefined);
  t.equal(JSON.stringify(value), '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":{"__proto__":[1]}}');
  expectError(t, () => parseJson('{"__proto__":1,"__proto__":2}'), { message: /duplicate field "__proto__"/ }, 'duplicate __proto__');
});

t.test('unpaired surrogate escapes become U+FFFD like Go', async (t) => {
  t.equal(parseJson('"\\ud800"'), '\ufffd');
  t.equal(parseJson('"a\\udc00b"'), 'a\ufffdb');
  t.equal(parseJson('"\\ud83d\\ude00"'), '😀');
  t.equal(parseJson('"\\ude00\\ud83d"'), '\ufffd\ufffd');
});

t.test('nesting is bounded without recursion blow-ups', async (t) => {
  t.same(parseJson('['.repeat(100) + ']'.repeat(100)), JSON.parse('['.repeat(100) + ']'.repeat(100)), 'exactly 100 levels are fine');
  const start = performance.now();
  for (const depth of [101, 10_000, 1_500_000]) {
    expectError(
      t,
      () => parseJson('['.repeat(depth) + ']'.repeat(depth)),
      { type: BadRequestError, status: 400, message: /line 1 column 101: nesting depth exceeds the limit of 100/ },
      `arrays ${depth} deep`,
    );
    expectError(t, () => parseJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)), { message: /nesting depth exceeds/ }, `objects ${depth} deep`);
  }
  expectError(t, () => parseJson('[[[]]]', { maxDepth: 2 }), { message: /limit of 2/ }, 'custom limit');
  t.ok(performance.now() - start < BOUND_MS, 'deep inputs fail fast');
});

t.test('3 MiB inputs of hostile shapes parse in bounded time', async (t) => {
  const MiB3 = 3 * 1024 * 1024;
  const shapes: Record<string, string> = {
    realistic: JSON.stringify({
      items: Array.from({ length: 20000 }, (_, i) => ({ name: `item-${i}`, labels: { app: 'web' }, spec: { vcpus: i % 8, tags: ['a', 'b'] } })),
    }),
    'one long string': JSON.stringify({ s: 'x'.repeat(MiB3 - 10) }),
    'escape-heavy string': JSON.stringify({ s: 'a\n"\\\u00e9'.repeat(400_000) }),
    'many numbers': '[' + Array.from({ length: 700_000 }, (_, i) => i % 10).join(',') + ']',
    'many keys': JSON.stringify(Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`key${i}`, i]))),
    'whitespace': ' '.repeat(MiB3) + '{}',
    'unterminated string': '"' + 'a'.repeat(MiB3),
  };
  for (const [name, text] of Object.entries(shapes)) {
    const start = performance.now();
    try {
      parseJson(text);
    } catch (err) {
      t.ok(err instanceof BadRequestError, `${name}: fails as a bad request if at all`);
    }
    const ms = performance.now() - start;
    t.ok(ms < BOUND_MS, `${name} (${(text.length / 1048576).toFixed(1)} MiB) in ${ms.toFixed(0)} ms`);
  }
});
