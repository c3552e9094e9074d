import t from 'tap';
import { BadRequestError } from '../../src/errors/index.js';
import { backendSchemes, openBackend, registerBackend, schemeOf } from '../../src/store/index.js';
import { MemoryBackend } from '../../src/store/memory/backend.js';

t.test('schemeOf', async (t) => {
  const table: [string, string | undefined][] = [
    ['memory://', 'memory'],
    ['sqlite:///var/lib/converge/state.db', 'sqlite'],
    ['SQLITE://./rel.db', 'sqlite'],
    ['etcd://h1:2379,h2:2379/tenant', 'etcd'],
    ['/just/a/path', undefined],
    ['', undefined],
  ];
  for (const [url, scheme] of table) t.equal(schemeOf(url), scheme, url);
});

t.test('built-in schemes are registered on import', async (t) => {
  t.same(backendSchemes(), ['etcd', 'memory', 'sqlite']);
  const b = await openBackend('memory://');
  t.ok(b instanceof MemoryBackend);
  await b.close();
});

t.test('unknown or missing scheme is a BadRequestError naming the supported ones', async (t) => {
  for (const url of ['redis://localhost:6379', 'state.db']) {
    const err = await openBackend(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof BadRequestError, `${url}: BadRequestError`);
    const message = err instanceof Error ? err.message : '';
    t.match(message, /sqlite:\/\//, 'names sqlite');
    t.match(message, /etcd:\/\//, 'names etcd');
    t.match(message, /memory:\/\//, 'names memory');
    if (url.startsWith('redis')) t.match(message, /redis/, 'names the bad scheme');
  }
});

t.test('registerBackend adds a scheme', async (t) => {
  let seen = '';
  registerBackend('Test-Mem', async (url, options) => {
    seen = url;
    return new MemoryBackend(options);
  });
  const b = await openBackend('test-mem://anything');
  t.equal(seen, 'test-mem://anything', 'the factory gets the full URL');
  await b.close();
});
