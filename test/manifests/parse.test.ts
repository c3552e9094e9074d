/**
 * `parseManifests`, what `converge apply -f`, `diff` and GitOps read files with: documents with the line they
 * start on and a line for each field; empty documents skipped; every hostile or broken input a ManifestError
 * naming the file and line, never a crash.
 */
import t from 'tap';
import { ManifestError, parseManifests } from '../../src/manifests/parse.js';

t.test('documents, lines of fields, empty documents skipped, JSON accepted', async (t) => {
  const text = `# leading comment
---
apiVersion: converge.io/v1alpha1
kind: Instance
metadata:
  name: web-1
spec:
  vcpus: 2
---
---
# only a comment
---
{"apiVersion": "converge.io/v1alpha1", "kind": "Volume", "metadata": {"name": "disk"}}
`;
  const docs = parseManifests(text, 'app.yaml');
  t.equal(docs.length, 2);
  t.same(docs.map((d) => [d.line, (d.value as { kind: string }).kind]), [[3, 'Instance'], [13, 'Volume']]);
  t.equal(docs[0]!.lineOf(['spec', 'vcpus']), 8);
  t.equal(docs[0]!.lineOf(['metadata', 'missing']), 6, 'a missing field: the closest ancestor\'s value');
  t.same(parseManifests('', 'empty.yaml'), []);
});

t.test('broken and hostile input: one ManifestError with file and line', async (t) => {
  const deep = `a: ${'['.repeat(150)}${']'.repeat(150)}\n`;
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  const cases: { name: string; text: string; line: number; message: RegExp }[] = [
    { name: 'syntax error', text: 'kind: Instance\nmetadata:\n  name: a\n bad: 1\n', line: 4, message: /invalid YAML/ },
    { name: 'duplicate key', text: 'kind: Instance\nspec:\n  vcpus: 1\n  vcpus: 2\n', line: 4, message: /duplicate key "vcpus"/ },
    { name: 'nested deeper than 100', text: deep, line: 1, message: /nested deeper than 100 levels/ },
    { name: 'alias bomb', text: bomb, line: 1, message: /invalid YAML: .*alias/i },
    { name: 'second document broken', text: 'kind: A\n---\nmetadata:\n  name: a\n bad: 1\n', line: 5, message: /invalid YAML/ },
  ];
  for (const c of cases) {
    try {
      parseManifests(c.text, 'bad.yaml');
      t.fail(`${c.name}: parsed`);
    } catch (err) {
      t.ok(err instanceof ManifestError, `${c.name}: ${String(err)}`);
      const e = err as ManifestError;
      t.equal(e.line, c.line, `${c.name}: line`);
      t.match(e.message, /^bad\.yaml:\d+: /, `${c.name}: names the file`);
      t.match(e.message, c.message, c.name);
    }
  }
});
