import t from 'tap';
import { dns1123SubdomainProblem } from '../../schemas/names.js';
import { ipAllocationName } from '../../src/ipam/names.js';
import { c } from './helpers.js';

t.test('names read as pool and prefix', async (t) => {
  const cases: [string, string, string][] = [
    ['lab', '10.0.0.0/24', 'lab.10-0-0-0-24'],
    ['lab', '10.0.1.5/32', 'lab.10-0-1-5-32'],
    ['lab', 'fd00:20::/64', 'lab.fd00-20---64'],
    ['lab', '::1/128', 'lab.0--1-128'],
    ['lab', '::/0', 'lab.0---0'],
    ['lab', '::ffff:10.0.0.1/128', 'lab.0--ffff-10-0-0-1-128'],
    ['team.lab', '2001:db8::/32', 'team.lab.2001-db8---32'],
  ];
  for (const [pool, cidr, want] of cases) {
    t.equal(ipAllocationName(pool, cidr), want, `${pool} ${cidr}`);
    t.equal(ipAllocationName(pool, c(cidr)), want, `${pool} ${cidr} parsed`);
    t.equal(dns1123SubdomainProblem(want), undefined, `${want} is a valid object name`);
  }
});

t.test('different pools or prefixes never share a name', async (t) => {
  const pairs: [string, string][] = [
    ['x', 'a:b::/32'],
    ['x-a', 'b::/32'],
    ['x', '1.2.3.4/32'],
    ['x-1', '2.3.4.0/24'],
    ['lab', '10.0.0.0/24'],
    ['lab', '10.0.0.0/25'],
    ['lab', '10.0.0.0/32'],
    ['lab', '::a00:0/120'],
    ['lab', 'a::/120'],
    ['lab', '0:0:1::/48'],
    ['lab.0', '1::/48'],
    ['lab', '0:1::/48'],
  ];
  const names = pairs.map(([p, cidr]) => ipAllocationName(p, cidr));
  t.equal(new Set(names).size, names.length, names.join(' '));
});

t.test('over-long pool names are cut and hashed, staying valid and distinct', async (t) => {
  const long = `${'a'.repeat(200)}.${'b'.repeat(52)}`; // 253 characters, the longest pool name
  const other = `${'a'.repeat(200)}.${'b'.repeat(51)}c`;
  const cidr = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124';
  const a = ipAllocationName(long, cidr);
  const b = ipAllocationName(other, cidr);
  t.ok(a.length <= 253, `length ${a.length}`);
  t.equal(dns1123SubdomainProblem(a), undefined, 'valid DNS-1123 subdomain');
  t.not(a, b, 'pools differing only after the cut get different names');
  t.ok(a.endsWith('.ffff-ffff-ffff-ffff-ffff-ffff-ffff-fff0-124'), 'the prefix stays readable');
  t.equal(ipAllocationName(long, cidr), a, 'deterministic');
  // The pool part keeps 198 characters here, so this cut ends on the dot, which must not survive.
  const cutAtDot = `${'a'.repeat(197)}.${'b'.repeat(55)}`;
  const name = ipAllocationName(cutAtDot, cidr);
  t.match(name, /^a{197}-[0-9a-f]{10}\.ffff/, 'cut before the dot, then the hash');
  t.equal(dns1123SubdomainProblem(name), undefined, 'a cut right after a dot is still valid');
});
