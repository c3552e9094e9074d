import t from 'tap';
import {
  cidrContainsIp,
  cidrLast,
  cidrSize,
  cidrsOverlap,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  type Cidr,
} from '../../schemas/cidr.js';

function cidrOf(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`test setup: ${text}: ${r.message}`);
  return r.value;
}

t.test('addresses parse and print in canonical form', async (t) => {
  const cases: [input: string, canonical: string][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // leftmost of equal zero runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['fe80::1:2', 'fe80::1:2'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest run wins
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [input, canonical] of cases) {
    const r = parseIp(input);
    t.ok(r.ok, `${input} parses`);
    if (r.ok) t.equal(formatIp(r.value), canonical, `${input} → ${canonical}`);
  }
});

t.test('malformed addresses are rejected', async (t) => {
  for (const input of ['', '10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1.2', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'fe80::1%eth0', 'g::1', '1:2:3:4:5:6:7:8::', '::1.2.3']) {
    t.notOk(parseIp(input).ok, `${JSON.stringify(input)} is rejected`);
  }
});

t.test('CIDRs: canonical form, host bits and prefix length', async (t) => {
  const ok: [string, string][] = [
    ['10.0.0.0/24', '10.0.0.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.0.0.1/32', '10.0.0.1/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000::/64', '2001:db8::/64'],
    ['fd00::/8', 'fd00::/8'],
  ];
  for (const [input, canonical] of ok) {
    const r = parseCidr(input);
    t.ok(r.ok, `${input} parses`);
    if (r.ok) t.equal(formatCidr(r.value), canonical);
  }
  const hostBits = parseCidr('10.0.0.5/24');
  t.notOk(hostBits.ok);
  if (!hostBits.ok) {
    t.match(hostBits.message, /host bits/);
    t.equal(hostBits.suggestion, '10.0.0.0/24');
  }
  const v6 = parseCidr('2001:db8::1/64');
  t.ok(!v6.ok && v6.suggestion === '2001:db8::/64', 'IPv6 host bits suggest the network');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '::/129', '10.0.0.0/24/1', 'x/8']) {
    t.notOk(parseCidr(bad).ok, `${bad} is rejected`);
  }
});

t.test('containment, overlap and size', async (t) => {
  const net = cidrOf('10.1.0.0/16');
  const ip = (s: string) => {
    const r = parseIp(s);
    if (!r.ok) throw new Error(s);
    return r.value;
  };
  t.ok(cidrContainsIp(net, ip('10.1.255.255')));
  t.notOk(cidrContainsIp(net, ip('10.2.0.0')));
  t.notOk(cidrContainsIp(net, ip('::ffff:10.1.0.1')), 'IPv4-mapped IPv6 is another family');
  t.equal(formatIp({ family: 4, value: cidrLast(net) }), '10.1.255.255');
  t.equal(cidrSize(cidrOf('fd00::/48')), 2n ** 80n);
  const overlaps: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/23', '10.0.1.0/24', true],
    ['fd00::/8', 'fd12:3456::/32', true],
    ['10.0.0.0/8', 'fd00::/8', false],
  ];
  for (const [a, b, want] of overlaps) t.equal(cidrsOverlap(cidrOf(a), cidrOf(b)), want, `${a} vs ${b}`);
});
