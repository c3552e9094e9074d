import t from 'tap';
import { startCliFixture } from '../helpers/converge-cli.js';
import { runKubectl } from '../helpers/kubectl.js';
import { kubectls } from '../helpers/tools.js';

// converge serve with its controllers; applying the examples makes the controllers create everything on the
// simulated cloud and report it as core v1 Events.
const fx = await startCliFixture(t);

const applied = await fx.cli('apply', '-f', fx.examples);
if (applied.code !== 0) throw new Error(`apply -f examples failed: ${applied.stderr}`);

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

t.test('converge events lists the Created events of the applied examples', async (t) => {
  const out = await eventually('a Created event for instance/web-1', async () => {
    const res = await fx.cli('events');
    return res.code === 0 && /Created\s+instance\/web-1\s+created external resource/.test(res.stdout) ? res.stdout : undefined;
  });
  t.match(out, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m, 'kubectl events columns');
  t.match(out, /Normal\s+Created\s+volume\/web-1-root/);
  const only = await fx.cli('events', '--for', 'instance/web-1');
  t.equal(only.code, 0, only.stderr);
  t.match(only.stdout, /instance\/web-1/);
  t.notMatch(only.stdout, /volume\//, '--for keeps only the named object');
  const bad = await fx.cli('events', '--for', 'nonsense/x');
  t.not(bad.code, 0, 'an unknown kind in --for is an error');
});

t.test('converge describe instance web-1 ends with its events', async (t) => {
  const res = await fx.cli('describe', 'instance', 'web-1');
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m);
  t.match(res.stdout, /Normal\s+Created\s+\S+\s+converge-controllers\s+created external resource/);
});

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version} get events shows what the controllers did`, async (t) => {
    const k = (...args: string[]) => runKubectl(kubectl, [...args], { KUBECONFIG: fx.serve.kubeconfig });
    const table = await k('get', 'events');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    t.notMatch(table.stdout, /^NAME\s/m, 'no Name column, as kube-apiserver prints Events');
    t.match(table.stdout, /Normal\s+Created\s+instance\/web-1\s+created external resource/);
    const short = await k('get', 'ev', '--field-selector', 'involvedObject.name=web-1', '-o', 'json');
    t.equal(short.code, 0, short.stderr);
    const items = (JSON.parse(short.stdout) as { items: { involvedObject: { name: string }; count: number }[] }).items;
    t.ok(items.length >= 1, 'selected by involvedObject.name');
    t.ok(items.every((i) => i.involvedObject.name === 'web-1' && i.count >= 1));
  });
}
