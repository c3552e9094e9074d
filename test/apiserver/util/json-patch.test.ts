import t from 'tap';
import type { JsonValue } from '../../../schemas/object.js';
import { BadRequestError, InvalidError, RequestTooLargeError } from '../../../src/errors/index.js';
import { applyJsonPatch, parsePointer } from '../../../src/apiserver/util/patch.js';
import { parseJson } from '../../../src/apiserver/util/json-parse.js';
import { expectError } from './expect-error.js';

t.test('RFC 6902 appendix A (successful examples)', async (t) => {
  const cases: [string, JsonValue, unknown[], JsonValue][] = [
    ['A.1 add object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 add array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 remove object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 remove array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replace', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 move value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 move array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    [
      'A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 add nested member', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignore unrecognised members', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escaping', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 add array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['test object equality ignores key order', { a: { x: 1, y: [1, { z: null }] } }, [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }], { a: { x: 1, y: [1, { z: null }] } }],
    ['replace root', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    ['add root', { a: 1 }, [{ op: 'add', path: '', value: [1] }], [1]],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['move to itself', { a: 1 }, [{ op: 'move', from: '/a', path: '/a' }], { a: 1 }],
    ['add replaces an existing member', { a: 1 }, [{ op: 'add', path: '/a', value: 2 }], { a: 2 }],
    ['add at end index', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    ['null value', { a: 1 }, [{ op: 'replace', path: '/a', value: null }], { a: null }],
    ['empty key', { '': 1 }, [{ op: 'replace', path: '/', value: 2 }], { '': 2 }],
    ['numeric key on object', { '01': 'x' }, [{ op: 'remove', path: '/01' }], {}],
  ];
  for (const [name, doc, ops, want] of cases) t.same(applyJsonPatch(doc, ops), want, name);
});

t.test('operations that cannot apply are 422 naming index, op and path', async (t) => {
  const cases: [string, JsonValue, unknown[], RegExp][] = [
    ['A.9 test failure', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /^json patch operation 0 \(test \/baz\): test failed/],
    ['A.12 add to nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /operation 0 \(add \/baz\/bat\): path "\/baz\/bat" does not exist/],
    ['A.15 test number vs string', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], /test failed/],
    ['remove missing', { a: 1 }, [{ op: 'test', path: '/a', value: 1 }, { op: 'remove', path: '/b' }], /^json patch operation 1 \(remove \/b\): path "\/b" does not exist/],
    ['replace missing', { a: 1 }, [{ op: 'replace', path: '/b', value: 1 }], /does not exist/],
    ['test missing', { a: 1 }, [{ op: 'test', path: '/b', value: null }], /does not exist/],
    ['move from missing', { a: 1 }, [{ op: 'move', from: '/x', path: '/b' }], /path "\/x" does not exist/],
    ['copy from missing', { a: 1 }, [{ op: 'copy', from: '/x', path: '/b' }], /does not exist/],
    ['move into own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/c' }], /cannot be moved into one of its own children/],
    ['remove root', { a: 1 }, [{ op: 'remove', path: '' }], /root cannot be removed/],
    ['array index out of range', { a: [1] }, [{ op: 'add', path: '/a/2', value: 1 }], /array index "2" is out of range/],
    ['array index leading zero', { a: [1, 2] }, [{ op: 'replace', path: '/a/01', value: 9 }], /path "\/a\/01" does not exist/],
    ['array index empty', { a: [1, 2] }, [{ op: 'replace', path: '/a/', value: 9 }], /does not exist|array index ""/],
    ['array index negative', { a: [1, 2] }, [{ op: 'remove', path: '/a/-1' }], /array index "-1"/],
    ['dash outside add', { a: [1] }, [{ op: 'remove', path: '/a/-' }], /array index "-"/],
    ['through a scalar', { a: 1 }, [{ op: 'add', path: '/a/b', value: 1 }], /parent is not an object or array|does not exist/],
    ['inherited toString', {}, [{ op: 'remove', path: '/toString' }], /path "\/toString" does not exist/],
    ['inherited constructor', {}, [{ op: 'replace', path: '/constructor', value: 1 }], /does not exist/],
    ['copy from inherited', {}, [{ op: 'copy', from: '/hasOwnProperty', path: '/x' }], /does not exist/],
    ['unknown op', { a: 1 }, [{ op: 'delete', path: '/a' }], /^json patch operation 0 \(delete \/a\): "op" must be one of add, remove, replace, move, copy, test$/],
    ['missing op', { a: 1 }, [{ path: '/a' }], /^json patch operation 0 \(\? \/a\): "op" must be/],
    ['missing path', { a: 1 }, [{ op: 'remove' }], /"path" must be a string/],
    ['relative path', { a: 1 }, [{ op: 'remove', path: 'a' }], /"path" "a" is not a JSON pointer/],
    ['bad escape', { a: 1 }, [{ op: 'remove', path: '/a~2' }], /is not a JSON pointer/],
    ['missing value', { a: 1 }, [{ op: 'add', path: '/b' }], /"value" is required/],
    ['missing from', { a: 1 }, [{ op: 'copy', path: '/b' }], /"from" must be a string/],
  ];
  for (const [name, doc, ops, message] of cases) {
    expectError(t, () => applyJsonPatch(doc, ops), { type: InvalidError, status: 422, message }, name);
  }
  const laterFailure = expectError(
    t,
    () => applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/b', value: 3 }]),
    { type: InvalidError, message: /operation 1 \(test \/b\)/ },
    'a failing test rolls everything back',
  );
  t.ok(laterFailure);
});

t.test('malformed patch documents are 400, too many operations 413', async (t) => {
  for (const ops of [{ op: 'add' }, 'add', null, 7]) {
    expectError(t, () => applyJsonPatch({}, ops), { type: BadRequestError, status: 400, message: /must be a JSON array of operations/ }, JSON.stringify(ops));
  }
  expectError(t, () => applyJsonPatch({}, [[{ op: 'add' }]]), { type: BadRequestError, status: 400, message: /operation 0 must be a JSON object/ }, 'nested array');
  expectError(t, () => applyJsonPatch({}, [null]), { type: BadRequestError, message: /operation 0 must be a JSON object/ }, 'null op');
  const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '', value: {} }));
  expectError(
    t,
    () => applyJsonPatch({}, ops),
    { type: RequestTooLargeError, status: 413, message: /^The allowed maximum operations in a JSON patch is 10000, got 10001$/ },
    '10,001 operations',
  );
  t.same(applyJsonPatch({}, ops.slice(1)), {}, '10,000 operations are fine');
  expectError(t, () => applyJsonPatch({}, ops.slice(0, 3), { maxOperations: 2 }), { type: RequestTooLargeError, message: /is 2, got 3/ }, 'custom limit');
});

t.test('pure: neither the target nor the operations are mutated', async (t) => {
  const target: JsonValue = { a: { b: [1, 2] }, c: 1 };
  const ops = [
    { op: 'add', path: '/v', value: { inner: [1] } },
    { op: 'add', path: '/v/inner/-', value: 2 },
    { op: 'move', from: '/a/b', path: '/moved' },
    { op: 'remove', path: '/c' },
  ];
  const targetCopy = JSON.parse(JSON.stringify(target)) as JsonValue;
  const opsCopy = JSON.parse(JSON.stringify(ops)) as unknown;
  const result = applyJsonPatch(target, ops);
  t.same(result, { a: {}, v: { inner: [1, 2] }, moved: [1, 2] });
  t.same(target, targetCopy, 'target untouched');
  t.same(ops, opsCopy, 'operations untouched');
});

t.test('hostile patches stay bounded', async (t) => {
  const start = performance.now();
  const doubling = [{ op: 'add', path: '/a', value: 'x'.repeat(1000) }, ...Array.from({ length: 9_999 }, (_, i) => ({ op: 'copy', from: '', path: `/c${i}` }))];
  expectError(t, () => applyJsonPatch({}, doubling), { type: InvalidError, status: 422, message: /copy operations would add more than 3145728 bytes/ }, 'exponential copy');
  const deepen = Array.from({ length: 200 }, (_, i) => ({ op: 'add', path: '/x'.repeat(i + 1), value: {} }));
  expectError(t, () => applyJsonPatch({}, deepen), { type: InvalidError, message: /nested deeper than 100 levels/ }, 'deepening adds');
  const deepCopies = [{ op: 'add', path: '/a', value: JSON.parse('['.repeat(60) + ']'.repeat(60)) as JsonValue }, { op: 'copy', from: '/a', path: '/a/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/-' }];
  expectError(t, () => applyJsonPatch({}, deepCopies), { type: InvalidError, message: /nested deeper/ }, 'deepening copy');
  t.ok(performance.now() - start < 1000, `${(performance.now() - start).toFixed(0)} ms`);
});

t.test('__proto__ paths write data, never prototypes', async (t) => {
  const result = applyJsonPatch({ spec: {} }, [
    { op: 'add', path: '/__proto__', value: { polluted: true } },
    { op: 'add', path: '/spec/__proto__', value: { polluted: true } },
    { op: 'add', path: '/constructor', value: { prototype: { polluted: true } } },
  ]) as Record<string, unknown>;
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype untouched');
  t.equal(Object.getPrototypeOf(result), Object.prototype);
  t.same(Object.keys(result), ['spec', '__proto__', 'constructor']);
  t.equal(JSON.stringify(result), '{"spec":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
  const doc = parseJson('{"a":{"hasOwnProperty":1,"__proto__":2}}');
  t.same(applyJsonPatch(doc, [{ op: 'test', path: '/a', value: parseJson('{"__proto__":2,"hasOwnProperty":1}') }]), doc, 'own hasOwnProperty keys do not break equality');
  t.same(applyJsonPatch(doc, [{ op: 'remove', path: '/a/__proto__' }]), { a: { hasOwnProperty: 1 } });
});

t.test('JSON pointers', async (t) => {
  t.same(parsePointer(''), []);
  t.same(parsePointer('/'), ['']);
  t.same(parsePointer('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
  t.equal(parsePointer('a'), undefined);
  t.equal(parsePointer('/a~'), undefined);
  t.equal(parsePointer('/~2'), undefined);
});
