import t from 'tap';
import type { JsonValue } from '../../../schemas/object.js';
import { applyMergePatch } from '../../../src/apiserver/util/patch.js';

t.test('RFC 7386 appendix A', async (t) => {
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) {
    t.same(applyMergePatch(target, patch), want, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

t.test('kube-apiserver specifics', async (t) => {
  t.same(
    applyMergePatch({ spec: { volumes: [{ name: 'a', size: 1 }] } }, { spec: { volumes: [{ name: 'b', size: null }] } }),
    { spec: { volumes: [{ name: 'b' }] } },
    'nulls inside inserted arrays of objects are dropped, as evanphx/json-patch does',
  );
  t.same(applyMergePatch({ a: 1 }, { b: [null, 1] }), { a: 1, b: [null, 1] }, 'null array elements stay');
  t.same(
    applyMergePatch({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null, c: '3' } } }),
    { metadata: { labels: { b: '2', c: '3' } } },
  );
});

t.test('pure: inputs are never mutated and the result shares nothing with them', async (t) => {
  const target: JsonValue = { keep: { deep: [1, { x: 1 }] }, change: { a: 1 }, drop: 1 };
  const patch: JsonValue = { change: { b: { c: [1] } }, drop: null, add: { n: { m: 1 } } };
  const targetCopy = JSON.parse(JSON.stringify(target)) as JsonValue;
  const patchCopy = JSON.parse(JSON.stringify(patch)) as JsonValue;
  const result = applyMergePatch(target, patch) as Record<string, Record<string, unknown>>;
  t.same(target, targetCopy, 'target untouched');
  t.same(patch, patchCopy, 'patch untouched');
  t.not(result['keep'], (target as Record<string, unknown>)['keep'], 'unchanged members are copies');
  t.not(result['add'], (patch as Record<string, unknown>)['add'], 'inserted members are copies');
  (result['keep']!['deep'] as unknown[]).push(2);
  t.same(target, targetCopy, 'mutating the result leaves the target alone');
});

t.test('__proto__ in a patch is a key, not a prototype', async (t) => {
  const patch = JSON.parse('{"__proto__":{"polluted":true},"spec":{"__proto__":{"x":1}}}') as JsonValue;
  const merged = applyMergePatch({ spec: {} }, patch);
  const result = merged as Record<string, unknown>;
  t.equal(Object.getPrototypeOf(result), Object.prototype);
  t.same(Object.keys(result), ['spec', '__proto__']);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.equal(JSON.stringify(result), '{"spec":{"__proto__":{"x":1}},"__proto__":{"polluted":true}}');
  const removed = applyMergePatch(merged, JSON.parse('{"__proto__":null}') as JsonValue) as Record<string, unknown>;
  t.same(Object.keys(removed), ['spec'], '__proto__ can be deleted like any key');
  t.same(applyMergePatch({}, JSON.parse('{"constructor":{"prototype":{"polluted":1}}}') as JsonValue), { constructor: { prototype: { polluted: 1 } } });
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
});
