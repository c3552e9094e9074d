/**
 * `npm run bench -- [NAME...]`: runs the named benchmarks (all when none), each printing a table of medians
 * and ratios against its baseline and writing `bench/results/<NAME>.json`.
 */
import { runApiCreate } from './api-create.js';
import { runApply10k } from './apply-10k.js';
import { defaultConverge10k, runConverge10k } from './converge-10k.js';
import { runDriftSteady } from './drift-steady.js';
import { runList10k } from './list-10k.js';
import { runStorePut } from './store-put.js';
import { defaultWatchLatency, runWatchLatency } from './watch-latency.js';

const benchmarks: Readonly<Record<string, () => Promise<void>>> = {
  'store-put': () => runStorePut(),
  'watch-latency': () => runWatchLatency({ ...defaultWatchLatency, serverNodeArgs: (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '') }),
  'list-10k': () => runList10k(),
  'drift-steady': () => runDriftSteady(),
  'api-create': () => runApiCreate(),
  'apply-10k': () => runApply10k(),
  // BENCH_INSTANCES shrinks it for a quick look; the recorded figures use the default 10,000.
  'converge-10k': () => runConverge10k({ ...defaultConverge10k, instances: Number(process.env['BENCH_INSTANCES'] ?? defaultConverge10k.instances) }),
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(benchmarks)) await benchmarks[name]!();
