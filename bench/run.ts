/**
 * `npm run bench -- [NAME...]`: runs the named benchmarks (all when none), each printing a table of medians
 * and ratios against its baseline and writing `bench/results/<NAME>.json`.
 */
import { runApiCreate } from './api-create.js';
import { runStorePut } from './store-put.js';

const benchmarks: Readonly<Record<string, () => Promise<void>>> = {
  'store-put': () => runStorePut(),
  'api-create': () => runApiCreate(),
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(benchmarks)) await benchmarks[name]!();
