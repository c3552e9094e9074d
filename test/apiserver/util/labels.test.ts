import t from 'tap';
import { BadRequestError, InvalidError } from '../../../src/errors/index.js';
import { expectError } from './expect-error.js';
import {
  EVERYTHING,
  labelSelectorToString,
  matchesLabels,
  parseLabelSelector,
  selectorFromLabelSelectorObject,
} from '../../../src/apiserver/util/labels.js';
import { labelValueErrors, qualifiedNameErrors } from '../../../src/apiserver/util/names.js';

t.test('parses the query syntax into sorted, canonical requirements', async (t) => {
  const cases: { text: string; canonical: string }[] = [
    { text: '', canonical: '' },
    { text: '   ', canonical: '' },
    { text: 'app=web', canonical: 'app=web' },
    { text: 'app==web', canonical: 'app==web' },
    { text: 'app!=web', canonical: 'app!=web' },
    { text: 'app', canonical: 'app' },
    { text: '!app', canonical: '!app' },
    { text: 'tier in (front, back)', canonical: 'tier in (back,front)' },
    { text: 'tier notin (b,a,a)', canonical: 'tier notin (a,b)' },
    { text: 'z=1,a=2', canonical: 'a=2,z=1' },
    { text: 'x in (foo,,baz),y,z notin ()', canonical: 'x in (,baz,foo),y,z notin ()' },
    { text: 'a=', canonical: 'a=' },
    { text: 'a in (in, notin)', canonical: 'a in (in,notin)' },
    { text: 'example.com/role=db', canonical: 'example.com/role=db' },
    { text: 'size>10', canonical: 'size>10' },
    { text: 'size<3', canonical: 'size<3' },
    { text: ' a = b , c ', canonical: 'a=b,c' },
  ];
  for (const c of cases) {
    const sel = parseLabelSelector(c.text);
    t.equal(labelSelectorToString(sel), c.canonical, c.text);
    t.same(parseLabelSelector(labelSelectorToString(sel)), sel, `${c.text} round-trips`);
  }
});

t.test('rejects invalid selectors with BadRequestError naming the problem', async (t) => {
  const cases: { text: string; message: RegExp }[] = [
    { text: ',', message: /found ',', expected: !, identifier, or 'end of string'/ },
    { text: 'a=b,', message: /expected: identifier after ','/ },
    { text: 'a=b c', message: /found 'c', expected: ',' or 'end of string'/ },
    { text: 'a in', message: /expected: '\('/ },
    { text: 'a in (x', message: /expected: ',', '\)' or identifier/ },
    { text: 'a in (x y)', message: /found 'y'/ },
    { text: 'a=(', message: /found '\(', expected: identifier/ },
    { text: '!a=b', message: /found '=', expected: ',' or 'end of string'/ },
    { text: 'a=b=c', message: /found '='/ },
    { text: '-bad=x', message: /Invalid value: "-bad": name part must consist of alphanumeric/ },
    { text: 'a/b/c=x', message: /a qualified name must consist/ },
    { text: 'Example.com/x=1', message: /prefix part a lowercase RFC 1123 subdomain/ },
    { text: `${'k'.repeat(64)}=v`, message: /name part must be no more than 63 characters/ },
    { text: 'a=-bad-', message: /values\[0\]\[a\]: Invalid value: "-bad-": a valid label must be an empty string/ },
    { text: `a=${'v'.repeat(64)}`, message: /must be no more than 63 characters/ },
    { text: 'size>ten', message: /for 'Gt', 'Lt' operators, the value must be an integer/ },
    { text: 'size>', message: /for 'Gt', 'Lt' operators, the value must be an integer/ },
    { text: 'a notin x', message: /expected: '\('/ },
    { text: 'size<-3', message: /values\[0\]\[size\]: Invalid value: "-3"/ },
  ];
  for (const c of cases) {
    expectError(t, () => parseLabelSelector(c.text), { type: BadRequestError, status: 400, message: c.message }, c.text);
  }
});

t.test('matches label sets like apimachinery', async (t) => {
  const labels = { app: 'web', tier: 'front', size: '12', 'example.com/role': 'db' };
  const cases: { sel: string; labels?: Record<string, string>; want: boolean }[] = [
    { sel: '', want: true },
    { sel: '', labels: undefined, want: true },
    { sel: 'app=web', want: true },
    { sel: 'app==web', want: true },
    { sel: 'app=api', want: false },
    { sel: 'app!=api', want: true },
    { sel: 'missing!=x', want: true },
    { sel: 'app!=web', want: false },
    { sel: 'tier in (front,back)', want: true },
    { sel: 'tier in (back)', want: false },
    { sel: 'missing in (x)', want: false },
    { sel: 'tier notin (back)', want: true },
    { sel: 'missing notin (x)', want: true },
    { sel: 'tier notin (front)', want: false },
    { sel: 'app', want: true },
    { sel: 'missing', want: false },
    { sel: '!missing', want: true },
    { sel: '!app', want: false },
    { sel: 'size>10', want: true },
    { sel: 'size>12', want: false },
    { sel: 'size<13', want: true },
    { sel: 'app>1', want: false },
    { sel: 'missing<1', want: false },
    { sel: 'app=web,tier=back', want: false },
    { sel: 'app=web,example.com/role=db', want: true },
    { sel: 'app=web', labels: undefined, want: false },
    { sel: '!app', labels: undefined, want: true },
    { sel: 'empty=', labels: { empty: '' }, want: true },
    { sel: 'empty=', labels: {}, want: false },
    { sel: 'toString', labels: {}, want: false },
    { sel: 'constructor!=x', labels: {}, want: true },
  ];
  for (const c of cases) {
    const set = 'labels' in c ? c.labels : labels;
    t.equal(matchesLabels(parseLabelSelector(c.sel), set), c.want, `${c.sel} on ${JSON.stringify(set)}`);
  }
});

t.test('structured selectors follow LabelSelectorAsSelector', async (t) => {
  t.equal(matchesLabels(selectorFromLabelSelectorObject(undefined), { a: 'b' }), false, 'absent selects nothing');
  t.equal(matchesLabels(selectorFromLabelSelectorObject(null), {}), false, 'null selects nothing');
  t.same(selectorFromLabelSelectorObject({}), EVERYTHING, 'empty selects everything');
  const sel = selectorFromLabelSelectorObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'back'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
      { key: 'owner', operator: 'Exists', values: [] },
    ],
  });
  t.equal(labelSelectorToString(sel), 'app=web,!legacy,owner,tier in (back,front),zone notin (z1)');
  t.equal(matchesLabels(sel, { app: 'web', tier: 'back', owner: 'me' }), true);
  t.equal(matchesLabels(sel, { app: 'web', tier: 'back', owner: 'me', legacy: '1' }), false);
  t.equal(matchesLabels(sel, { app: 'web', tier: 'back', owner: 'me', zone: 'z1' }), false);

  const err = expectError(
    t,
    () =>
      selectorFromLabelSelectorObject(
        {
          matchLabels: { 'bad key': 'x' },
          matchExpressions: [
            { key: 'a', operator: 'Gt', values: ['1'] },
            { key: 'b', operator: 'In', values: [] },
            { key: 'c', operator: 'Exists', values: ['x'] },
          ],
        },
        { fieldPath: 'spec.selector' },
      ),
    { type: InvalidError, status: 422, message: /invalid label selector: spec\.selector\.matchLabels\.key: Invalid value: "bad key"/ },
    'bad structured selector',
  );
  t.same(
    err?.causes.map((c) => [c.reason, c.field]),
    [
      ['FieldValueInvalid', 'spec.selector.matchLabels.key'],
      ['FieldValueNotSupported', 'spec.selector.matchExpressions[0].operator'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[1].values'],
      ['FieldValueInvalid', 'spec.selector.matchExpressions[2].values'],
    ],
  );
});

t.test('qualified names and label values', async (t) => {
  const names: [string, boolean][] = [
    ['a', true],
    ['A.b-c_d', true],
    ['example.com/name', true],
    ['a.b.c/x', true],
    ['', false],
    ['/a', false],
    ['a/', false],
    ['_a', false],
    ['a_', false],
    ['UPPER.com/a', false],
    [`${'p'.repeat(254)}/a`, false],
    ['é', false],
    ['__proto__', false],
  ];
  for (const [name, ok] of names) t.equal(qualifiedNameErrors(name).length === 0, ok, `key ${JSON.stringify(name)}`);
  const values: [string, boolean][] = [
    ['', true],
    ['v', true],
    ['a-b_c.d', true],
    ['-a', false],
    ['a b', false],
    ['v'.repeat(63), true],
    ['v'.repeat(64), false],
  ];
  for (const [value, ok] of values) t.equal(labelValueErrors(value).length === 0, ok, `value ${JSON.stringify(value)}`);
});

t.test('long hostile selectors parse in linear time', async (t) => {
  const many = Array.from({ length: 20000 }, (_, i) => `k${i}=v`).join(',');
  const start = performance.now();
  t.equal(parseLabelSelector(many).requirements.length, 20000);
  expectError(t, () => parseLabelSelector('a in (' + 'x,'.repeat(200000)), { type: BadRequestError }, 'unterminated huge set');
  t.ok(performance.now() - start < 1000, 'under a second');
});
