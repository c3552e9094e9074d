/**
 * The conformance suite against a real etcd (one per file; each subtest gets its own key prefix), plus
 * etcd-only behaviour: URL parsing, key-prefix isolation, unavailability.
 */
import t from 'tap';
import { openBackend } from '../../src/store/index.js';
import { startEtcd } from '../helpers/etcd.js';
import { runConformance } from './conformance.js';

const etcd = await startEtcd();
t.teardown(() => etcd.stop());
let n = 0;

runConformance(t, 'etcd', () => openBackend(`${etcd.url}/conformance-${process.pid}-${++n}`));
