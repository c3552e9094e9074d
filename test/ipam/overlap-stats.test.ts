import t from 'tap';
import { formatCidr } from '../../schemas/cidr.js';
import { unusableAddresses, gatewayAddress } from '../../src/ipam/addresses.js';
import { poolLayout } from '../../src/ipam/layout.js';
import { cidrContains, findOverlaps, intersectCidrs, overlapsAny } from '../../src/ipam/overlap.js';
import { poolUsage, ratio } from '../../src/ipam/stats.js';
import { c } from './helpers.js';

t.test('findOverlaps reports every overlapping pair once, enclosing first', async (t) => {
  const items = ['10.0.1.0/24', '10.0.0.0/16', '10.0.1.128/25', '192.168.0.0/24', 'fd00::/8', '10.0.2.0/24', '10.0.1.0/24'];
  const pairs = findOverlaps(items, c).map(([a, b]) => `${a} ${b}`);
  t.same(pairs.sort(), [
    '10.0.0.0/16 10.0.1.0/24',
    '10.0.0.0/16 10.0.1.0/24',
    '10.0.0.0/16 10.0.1.128/25',
    '10.0.0.0/16 10.0.2.0/24',
    '10.0.1.0/24 10.0.1.0/24',
    '10.0.1.0/24 10.0.1.128/25',
    '10.0.1.0/24 10.0.1.128/25',
  ]);
  t.same(findOverlaps(['10.0.0.0/24', '10.0.1.0/24', 'fd00::/64'], c), [], 'disjoint prefixes');
});

t.test('containment and intersection', async (t) => {
  t.ok(cidrContains(c('10.0.0.0/16'), c('10.0.5.0/24')));
  t.notOk(cidrContains(c('10.0.5.0/24'), c('10.0.0.0/16')));
  t.notOk(cidrContains(c('::/0'), c('10.0.0.0/8')), 'families differ');
  t.equal(formatCidr(intersectCidrs(c('10.0.0.0/16'), c('10.0.5.0/24')) ?? c('0.0.0.0/0')), '10.0.5.0/24');
  t.equal(intersectCidrs(c('10.0.0.0/24'), c('10.0.1.0/24')), undefined);
  t.ok(overlapsAny(c('10.0.0.0/8'), [c('192.168.0.0/16'), c('10.200.0.0/16')]));
  t.notOk(overlapsAny(c('10.0.0.0/8'), [c('192.168.0.0/16')]));
});

t.test('unusable addresses and gateways', async (t) => {
  const show = (cidr: string) => unusableAddresses(c(cidr)).map((v) => v.toString(16));
  t.same(show('10.0.1.0/24'), ['a000100', 'a000101', 'a0001ff'], 'IPv4: network, gateway, broadcast');
  t.same(show('10.0.1.0/30'), ['a000100', 'a000101', 'a000103']);
  t.same(show('10.0.1.0/31'), [], 'RFC 3021 point-to-point');
  t.same(show('10.0.1.1/32'), []);
  t.same(show('fd00::/64'), ['fd000000000000000000000000000000', 'fd000000000000000000000000000001'], 'IPv6: anycast and gateway, no broadcast');
  t.same(show('fd00::/127'), [], 'RFC 6164 point-to-point');
  t.equal(gatewayAddress(c('10.0.1.0/24')), 0x0a000101n);
  t.equal(gatewayAddress(c('10.0.1.0/31')), undefined);
});

t.test('ratio is exact enough for huge and tiny fractions', async (t) => {
  t.equal(ratio(0n, 0n), 0);
  t.equal(ratio(1n, 4n), 0.25);
  t.equal(ratio(1n << 64n, 1n << 80n), 1 / 65536, 'a /64 of a /48');
  t.equal(ratio((1n << 127n) + 1n, 1n << 128n), 0.5);
  t.equal(ratio(3n, 3n), 1);
});

t.test('poolUsage counts allocated addresses once, per family', async (t) => {
  const pool = poolLayout('lab', { cidrs: ['10.0.0.0/22', 'fd00::/48'], reserved: [{ start: '10.0.3.0', end: '10.0.3.255' }] });
  const usage = poolUsage(pool, [c('10.0.0.0/24'), c('10.0.0.7/32'), c('10.0.1.0/25'), c('fd00::/64'), c('192.168.0.0/24')]);
  t.equal(usage.allocations, 5);
  t.same(
    usage.families.map((f) => [f.family, f.totalAddresses, f.allocatedAddresses, f.fraction]),
    [
      [4, 768n, 384n, 0.5],
      [6, 1n << 80n, 1n << 64n, 1 / 65536],
    ],
    'the /32 inside the /24 and the prefix outside the pool do not count',
  );
  t.equal(usage.fraction, 0.5, 'the fuller family');
  t.equal(poolUsage(pool, []).fraction, 0);
});
