import t from 'tap';
import { BadRequestError } from '../../../src/errors/index.js';
import { decodeContinue, encodeContinue } from '../../../src/apiserver/util/continue.js';
import { expectError } from './expect-error.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('round-trips and uses kube-apiserver’s token format', async (t) => {
  const positions = [
    { revision: 1, startAfter: '/registry/converge.io/instances/default/web-1' },
    { revision: 9007199254740991, startAfter: 'ns/name' },
    { revision: 42, startAfter: '/registry/x/ünïcødé/名前' },
  ];
  for (const p of positions) {
    const token = encodeContinue(p);
    t.match(token, /^[A-Za-z0-9_-]+$/, 'unpadded base64url');
    t.same(decodeContinue(token), p);
  }
  const token = encodeContinue({ revision: 7, startAfter: '/registry/a/b' });
  t.same(JSON.parse(Buffer.from(token, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 7, start: '/registry/a/b' });
});

t.test('rejects anything it did not produce', async (t) => {
  const cases: { name: string; token: string; message?: RegExp }[] = [
    { name: 'empty', token: '' },
    { name: 'not base64', token: 'a+b/c=' },
    { name: 'bad length', token: 'abcde' },
    { name: 'not JSON', token: Buffer.from('hello').toString('base64url') },
    { name: 'JSON array', token: b64([1, 2]) },
    { name: 'JSON null', token: b64(null) },
    { name: 'unknown version', token: b64({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }), message: /does not recognize this encoded version/ },
    { name: 'missing version', token: b64({ rv: 1, start: 'a' }) },
    { name: 'zero revision', token: b64({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }), message: /incorrect encoded start resourceVersion/ },
    { name: 'negative revision', token: b64({ v: 'meta.k8s.io/v1', rv: -5, start: 'a' }) },
    { name: 'fractional revision', token: b64({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }) },
    { name: 'string revision', token: b64({ v: 'meta.k8s.io/v1', rv: '3', start: 'a' }) },
    { name: 'huge revision', token: b64({ v: 'meta.k8s.io/v1', rv: 1e300, start: 'a' }) },
    { name: 'empty start', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: '' }), message: /encoded start key empty/ },
    { name: 'non-string start', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: 5 }) },
    { name: 'path traversal', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: '/registry/a/../../secrets' }) },
    { name: 'dot segment', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: 'a/./b' }) },
    { name: 'double slash', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: 'a//b' }) },
    { name: 'trailing slash', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: 'a/b/' }) },
    { name: 'root', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: '/' }) },
    { name: 'NUL byte', token: b64({ v: 'meta.k8s.io/v1', rv: 1, start: 'a\u0000' }) },
    { name: 'enormous', token: 'A'.repeat(100_000) },
  ];
  for (const c of cases) {
    expectError(
      t,
      () => decodeContinue(c.token),
      { type: BadRequestError, status: 400, message: c.message ?? /^invalid continue token: continue key is not valid/ },
      c.name,
    );
  }
});
