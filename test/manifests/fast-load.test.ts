/**
 * The fast path (js-yaml) must read every manifest it answers for exactly as the careful parser (`yaml`,
 * YAML 1.2 core schema) does, and decline what it cannot read the same way: compared value by value here
 * against `yaml` itself, over scalars where YAML parsers are known to disagree.
 */
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { fastLoadDocuments } from '../../src/manifests/fast-load.js';
import { parseManifests } from '../../src/manifests/parse.js';

function carefulValues(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: false, strict: true })
    .map((d) => d.toJS({ maxAliasCount: 100 }) as unknown)
    .filter((v) => v !== null && v !== undefined);
}

function fastValues(text: string): unknown[] | undefined {
  return fastLoadDocuments(text)?.map((d) => d.value).filter((v) => v !== null && v !== undefined);
}

t.test('scalars resolve as YAML 1.2 core, exactly as the careful parser reads them', async (t) => {
  const scalars = [
    '1', '-1', '+1', '007', '0o17', '0x1F', '0b101', '1_000', '1.5', '.5', '1.', '1e3', '1E-3', '.inf', '-.Inf', '.nan', '1:20',
    'true', 'True', 'TRUE', 'yes', 'no', 'on', 'off', 'y', 'n', '~', 'null', 'Null', 'NULL', '', '2024-01-02', '2024-01-02T03:04:05Z',
    '"1"', "'true'", '0.0.0.0/0', '10.0.0.1', '"multi\\nline"', '>-\n  folded\n  text', '|\n  literal\n  text\n', 'abc # comment',
    '[1, "2", three]', '{a: 1, b: [x, y]}', '"\\u00e9"', 'é', '12345678901234567890', '-0', '0x', '1e', '- dash',
  ];
  const declined: string[] = [];
  for (const scalar of scalars) {
    const text = `kind: Test\nvalue: ${scalar}\n`;
    const fast = fastValues(text);
    if (fast === undefined) declined.push(scalar);
    else t.same(fast, carefulValues(text), `${JSON.stringify(scalar)} reads the same`);
  }
  t.same(declined, ['- dash'], 'only the syntax error is left to the careful parser');
});

t.test('documents, markers and lines', async (t) => {
  const text = '# head\n---\nkind: A\n---\n\n# c\nkind: B\n...\n---\n--- |\n  block text\n---\nkind: C\n';
  const fast = fastLoadDocuments(text);
  t.ok(fast, 'answered by the fast path');
  t.same(fastValues(text), carefulValues(text));
  t.same(parseManifests(text, 'f').map((d) => [d.line, d.value]), [[3, { kind: 'A' }], [7, { kind: 'B' }], [10, 'block text\n'], [13, { kind: 'C' }]]);
});

t.test('declines what it cannot read the same way', async (t) => {
  const cases: [string, string][] = [
    ['an alias of a mapping', 'a: &x {k: v}\nb: *x\n'],
    ['a custom tag', 'a: !secret value\n'],
    ['a binary tag', 'a: !!binary aGk=\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a syntax error', 'a: [1,\n'],
    ['nesting deeper than the limit', `a: ${'['.repeat(120)}${']'.repeat(120)}\n`],
    ['nesting that exhausts js-yaml\'s stack', `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`],
  ];
  for (const [name, text] of cases) t.equal(fastLoadDocuments(text), undefined, name);
});

t.test('a field\'s line comes from the careful parser on demand, in file coordinates', async (t) => {
  const text = 'kind: A\nspec:\n  x: 1\n---\n# note\nkind: B\nspec:\n  y: 2\n  z: 3\n';
  const docs = parseManifests(text, 'f');
  t.equal(docs[1]!.line, 6);
  t.equal(docs[1]!.lineOf(['spec', 'z']), 9);
  t.equal(docs[0]!.lineOf(['spec', 'x']), 3);
});
