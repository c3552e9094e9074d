import t from 'tap';
import { compareKeys, prefixEnd } from '../../src/store/keys.js';
import { bytesPrefixEnd } from '../../src/store/etcd/keyspace.js';

t.test('compareKeys orders like UTF-8 bytes', async (t) => {
  const keys = ['/a', '/a/1', '/a/10', '/a/2', '/ab', '/b', '/é', '/\uffff', '/😀', '/\ue000', 'A', ''];
  const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  t.same([...keys].sort(compareKeys), byBytes, 'same order as Buffer.compare of the UTF-8 encodings');
});

t.test('prefixEnd', async (t) => {
  const table: [string, string | undefined][] = [
    ['/a/', '/a0'],
    ['/registry/x', '/registry/y'],
    ['', undefined],
    ['a\uffff', 'b'],
    ['\uffff', undefined],
  ];
  for (const [prefix, end] of table) t.equal(prefixEnd(prefix), end, JSON.stringify(prefix));
});

t.test('bytesPrefixEnd (etcd range end)', async (t) => {
  const table: [number[], number[]][] = [
    [[0x2f, 0x61], [0x2f, 0x62]],
    [[0x61, 0xff], [0x62]],
    [[0xff, 0xff], [0x00]],
    [[], [0x00]],
  ];
  for (const [prefix, end] of table) t.same([...bytesPrefixEnd(Buffer.from(prefix))], end, JSON.stringify(prefix));
});
