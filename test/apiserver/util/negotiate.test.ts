import t from 'tap';
import { ConvergeError } from '../../../src/errors/index.js';
import {
  aggregatedDiscoveryVersion,
  negotiateObjectFormat,
  openApiV2MediaType,
  parseAccept,
  tableVersion,
  wantsAggregatedDiscovery,
  wantsProtobuf,
  wantsTable,
  wantsYaml,
} from '../../../src/apiserver/util/negotiate.js';
import { expectError } from './expect-error.js';

const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const KUBECTL_DISCOVERY =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const KUBECTL_DISCOVERY_PROTO =
  'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/vnd.kubernetes.protobuf,application/json';

t.test('parseAccept orders by q, then specificity, then client order', async (t) => {
  t.same(parseAccept(undefined), [{ type: '*', subtype: '*', params: {}, q: 1 }]);
  t.same(parseAccept('  '), [{ type: '*', subtype: '*', params: {}, q: 1 }]);
  const ranges = parseAccept('text/*;q=0.5, */*;q=0.5, application/yaml;q=0.9, application/json;pretty=1, image/png;q=0, bogus, a/b/c');
  t.same(
    ranges.map((r) => `${r.type}/${r.subtype};q=${r.q}`),
    ['application/json;q=1', 'application/yaml;q=0.9', 'text/*;q=0.5', '*/*;q=0.5'],
  );
  t.equal(ranges[0]?.params['pretty'], '1');
  t.same(parseAccept('Application/JSON; Charset="utf-8"; X="a,b"')[0]?.params, { charset: 'utf-8', x: 'a,b' });
  t.same(parseAccept('application/json;q=2').length, 0, 'q > 1 is malformed');
  const proto = parseAccept('application/json;__proto__=x;constructor=y')[0]!;
  t.equal(proto.params['__proto__'], 'x', '__proto__ is an ordinary parameter');
  t.equal(Object.getPrototypeOf({}), Object.prototype);
});

t.test('object responses: JSON, YAML or Table', async (t) => {
  const cases: { accept?: string; table?: string; yaml?: boolean; pretty?: boolean; allowTable?: boolean }[] = [
    { accept: undefined },
    { accept: '' },
    { accept: '*/*' },
    { accept: 'application/*' },
    { accept: 'application/json' },
    { accept: 'application/yaml', yaml: true },
    { accept: 'application/json;pretty=1', pretty: true },
    { accept: KUBECTL_GET, table: 'v1' },
    { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', table: 'v1beta1' },
    { accept: 'application/json, application/json;as=Table;v=v1;g=meta.k8s.io' },
    { accept: 'application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io', table: 'v1' },
    { accept: 'application/json;as=Table;g=meta.k8s.io,application/json', table: undefined },
    { accept: 'application/json;as=Table;v=v2;g=meta.k8s.io,application/json' },
    { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json' },
    { accept: KUBECTL_GET, allowTable: false },
    { accept: 'application/vnd.kubernetes.protobuf,application/json' },
    { accept: 'application/yaml;as=Table;v=v1;g=meta.k8s.io', yaml: true, table: 'v1' },
    { accept: 'text/html, */*;q=0.1' },
  ];
  for (const c of cases) {
    const f = negotiateObjectFormat(c.accept, { allowTable: c.allowTable ?? true });
    const label = `${String(c.accept)} allowTable=${c.allowTable ?? true}`;
    t.equal(f.mediaType, c.yaml ? 'application/yaml' : 'application/json', `${label}: media type`);
    t.equal(f.table, c.table, `${label}: table`);
    t.equal(f.pretty, c.pretty ?? false, `${label}: pretty`);
  }
  for (const accept of ['application/vnd.kubernetes.protobuf', 'text/html', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;q=0']) {
    expectError(
      t,
      () => negotiateObjectFormat(accept, { allowTable: accept.includes('Table') ? false : true }),
      { type: ConvergeError, status: 406, message: /only the following media types are accepted: application\/json, application\/yaml/ },
      accept,
    );
  }
});

t.test('wantsTable / wantsYaml', async (t) => {
  t.equal(wantsTable(KUBECTL_GET), true);
  t.equal(tableVersion(KUBECTL_GET), 'v1');
  t.equal(wantsTable('application/json'), false);
  t.equal(wantsTable(undefined), false);
  t.equal(wantsTable('text/html'), false, 'not servable at all is not a table');
  t.equal(wantsYaml('application/yaml'), true);
  t.equal(wantsYaml('application/yaml;q=0.5,application/json'), false);
  t.equal(wantsYaml('*/*'), false);
});

t.test('aggregated discovery', async (t) => {
  const cases: { accept?: string; want?: string }[] = [
    { accept: KUBECTL_DISCOVERY, want: 'v2' },
    { accept: KUBECTL_DISCOVERY_PROTO, want: 'v2' },
    { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', want: 'v2beta1' },
    { accept: 'application/json' },
    { accept: undefined },
    { accept: '*/*' },
    { accept: 'application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
    { accept: 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json' },
    { accept: 'application/json;g=other.io;v=v2;as=APIGroupDiscoveryList' },
  ];
  for (const c of cases) {
    t.equal(aggregatedDiscoveryVersion(c.accept), c.want, String(c.accept));
    t.equal(wantsAggregatedDiscovery(c.accept), c.want !== undefined, String(c.accept));
  }
});

t.test('OpenAPI v2 protobuf negotiation (kube-openapi)', async (t) => {
  const cases: { accept?: string; want?: string; proto: boolean }[] = [
    { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', want: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', proto: true },
    { accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', want: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', proto: true },
    { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json', want: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', proto: true },
    { accept: 'application/json', want: 'application/json', proto: false },
    { accept: undefined, want: 'application/json', proto: false },
    { accept: '*/*', want: 'application/json', proto: false },
    { accept: 'application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf', want: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', proto: true },
    { accept: 'text/html', want: undefined, proto: false },
  ];
  for (const c of cases) {
    t.equal(openApiV2MediaType(c.accept), c.want, String(c.accept));
    t.equal(wantsProtobuf(c.accept), c.proto, String(c.accept));
  }
});

t.test('hostile headers stay cheap', async (t) => {
  const start = performance.now();
  t.equal(wantsTable('application/json;' + 'a=b;'.repeat(100_000)), false);
  t.equal(wantsTable(',' .repeat(500_000)), false);
  t.equal(wantsTable('"'.repeat(100_000)), false);
  t.ok(performance.now() - start < 1000);
});
