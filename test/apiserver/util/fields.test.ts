import t from 'tap';
import type { KubeObject } from '../../../schemas/object.js';
import { BadRequestError } from '../../../src/errors/index.js';
import {
  DEFAULT_SELECTABLE_FIELDS,
  fieldSelectorToString,
  matchesFields,
  parseFieldSelector,
} from '../../../src/apiserver/util/fields.js';
import { expectError } from './expect-error.js';

const ALLOWED = DEFAULT_SELECTABLE_FIELDS;

function obj(name: string, namespace?: string, spec?: KubeObject['spec']): KubeObject {
  return {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Instance',
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
    ...(spec ? { spec } : {}),
  };
}

t.test('parses terms, operators and escapes', async (t) => {
  const cases: { text: string; want: [string, string, string][] }[] = [
    { text: '', want: [] },
    { text: ',', want: [] },
    { text: 'metadata.name=a', want: [['metadata.name', '=', 'a']] },
    { text: 'metadata.name==a', want: [['metadata.name', '==', 'a']] },
    { text: 'metadata.name!=a', want: [['metadata.name', '!=', 'a']] },
    { text: 'metadata.name=', want: [['metadata.name', '=', '']] },
    {
      text: 'metadata.namespace=ns,metadata.name!=b',
      want: [
        ['metadata.name', '!=', 'b'],
        ['metadata.namespace', '=', 'ns'],
      ],
    },
    { text: 'metadata.name=a\\,b', want: [['metadata.name', '=', 'a,b']] },
    { text: 'metadata.name=a\\=b\\\\c', want: [['metadata.name', '=', 'a=b\\c']] },
  ];
  for (const c of cases) {
    const sel = parseFieldSelector(c.text, ALLOWED);
    t.same(sel.requirements.map((r) => [r.field, r.operator, r.value]), c.want, c.text);
    t.same(parseFieldSelector(fieldSelectorToString(sel), ALLOWED), sel, `${c.text} round-trips`);
  }
});

t.test('rejects bad selectors with BadRequestError', async (t) => {
  const cases: { text: string; message: RegExp }[] = [
    { text: 'spec.foo=x', message: /^field label not supported: spec\.foo$/ },
    { text: 'metadata.name = x', message: /field label not supported: metadata\.name $/ },
    { text: 'metadata.name', message: /invalid selector: 'metadata\.name'; can't understand 'metadata\.name'/ },
    { text: 'metadata.name=a=b', message: /unescaped character in value: =/ },
    { text: 'metadata.name=a\\x', message: /invalid escape sequence: \\x/ },
    { text: 'metadata.name=a\\', message: /invalid escape sequence: \\$/ },
    { text: '=x', message: /field label not supported: $/ },
  ];
  for (const c of cases) {
    expectError(t, () => parseFieldSelector(c.text, ALLOWED), { type: BadRequestError, status: 400, message: c.message }, c.text);
  }
});

t.test('matches objects', async (t) => {
  const cases: { sel: string; o: KubeObject; want: boolean; allowed?: readonly string[] }[] = [
    { sel: '', o: obj('a', 'ns'), want: true },
    { sel: 'metadata.name=a', o: obj('a', 'ns'), want: true },
    { sel: 'metadata.name==b', o: obj('a', 'ns'), want: false },
    { sel: 'metadata.name!=b', o: obj('a', 'ns'), want: true },
    { sel: 'metadata.namespace=ns', o: obj('a', 'ns'), want: true },
    { sel: 'metadata.namespace=', o: obj('a'), want: true },
    { sel: 'metadata.namespace!=ns', o: obj('a'), want: true },
    { sel: 'metadata.name=a,metadata.namespace=other', o: obj('a', 'ns'), want: false },
    { sel: 'metadata.name=a\\,b', o: obj('a,b', 'ns'), want: true },
    { sel: 'spec.vcpus=2', o: obj('a', 'ns', { vcpus: 2 }), want: true, allowed: ['spec.vcpus'] },
    { sel: 'spec.on=true', o: obj('a', 'ns', { on: true }), want: true, allowed: ['spec.on'] },
    { sel: 'spec.tags=', o: obj('a', 'ns', { tags: { a: 'b' } }), want: false, allowed: ['spec.tags'] },
    { sel: 'spec.missing=', o: obj('a', 'ns', {}), want: true, allowed: ['spec.missing'] },
    { sel: 'spec.constructor=', o: obj('a', 'ns', {}), want: true, allowed: ['spec.constructor'] },
  ];
  for (const c of cases) {
    t.equal(matchesFields(parseFieldSelector(c.sel, c.allowed ?? ALLOWED), c.o), c.want, `${c.sel} on ${JSON.stringify(c.o.metadata)}`);
  }
});
