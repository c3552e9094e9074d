import t from 'tap';
import { startCliFixture } from '../helpers/converge-cli.js';
import { join } from 'node:path';

t.test('the quickstart converges on the simulated cloud; instances get addresses from the Pool', async (t) => {
  const { examples, cli } = await startCliFixture(t);
  const applied = await cli('apply', '-f', join(examples, 'quickstart'), '--wait', '--timeout', '90s');
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /instance\.converge\.io\/app-2 created/);
  t.match(applied.stderr, /instance\.converge\.io\/app-1 ready/);
  const wide = await cli('get', 'instances', '-n', 'quickstart', '-o', 'wide');
  t.equal(wide.code, 0, wide.stderr);
  const addresses = [...wide.stdout.matchAll(/^app-\d\s+True\s+True\s+Running\s+1\s+1024\s+(\S+)/gm)].map((m) => m[1]);
  t.equal(addresses.length, 2, wide.stdout);
  t.ok(addresses.every((a) => a?.startsWith('10.100.')), `addresses from the Pool's 10.100.0.0/16: ${addresses.join(', ')}`);
  t.not(addresses[0], addresses[1], 'distinct addresses');
  const ipa = await cli('get', 'ipa', '-n', 'quickstart');
  t.match(ipa.stdout, /quickstart\s+10\.100\.\d+\.0\/24\s+app/);
});
