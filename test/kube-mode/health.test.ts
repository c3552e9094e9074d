/** The probe and metrics port of kube mode: what the kubelet and Prometheus see. */
import { Counter, Registry } from 'prom-client';
import t from 'tap';
import { startHealthServer, type ProbeResult } from '../../src/kube/health.js';
import { silentLogger } from '../../src/observability/logger.js';

const registry = new Registry();
new Counter({ name: 'probe_test_total', help: 'A counter for the test.', registers: [registry] }).inc(3);
let live: ProbeResult = { ok: true };
let ready: ProbeResult = { ok: false, reason: 'informer caches not synced yet' };
const server = await startHealthServer({ host: '127.0.0.1', port: 0, registry, logger: silentLogger(), checks: { live: () => live, ready: () => ready } });
t.teardown(() => server.close());

async function get(path: string, method = 'GET') {
  const res = await fetch(server.url + path, { method });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

t.test('probes follow the checks: 200 ok, or 503 with the reason', async (t) => {
  const cases: { name: string; set: () => void; path: string; status: number; text: string }[] = [
    { name: 'live', set: () => {}, path: '/livez', status: 200, text: 'ok\n' },
    { name: 'healthz is livez', set: () => {}, path: '/healthz', status: 200, text: 'ok\n' },
    { name: 'not ready before sync', set: () => {}, path: '/readyz', status: 503, text: 'informer caches not synced yet\n' },
    { name: 'ready after sync', set: () => (ready = { ok: true }), path: '/readyz?verbose', status: 200, text: 'ok\n' },
    { name: 'not live after a failure', set: () => (live = { ok: false, reason: 'controller manager failed' }), path: '/livez', status: 503, text: 'controller manager failed\n' },
  ];
  for (const c of cases) {
    c.set();
    const res = await get(c.path);
    t.equal(res.status, c.status, `${c.name}: status`);
    t.equal(res.text, c.text, `${c.name}: body`);
  }
});

t.test('/metrics is the Prometheus text of the registry', async (t) => {
  const res = await get('/metrics');
  t.equal(res.status, 200);
  t.match(res.type, /^text\/plain; version=0\.0\.4/);
  t.match(res.text, /^probe_test_total 3$/m);
});

t.test('anything else is refused', async (t) => {
  t.equal((await get('/apis')).status, 404, 'no API here');
  t.equal((await get('/livez', 'POST')).status, 405);
});
