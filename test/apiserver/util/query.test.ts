import t from 'tap';
import { BadRequestError, InvalidError } from '../../../src/errors/index.js';
import { encodeContinue } from '../../../src/apiserver/util/continue.js';
import { parseListQuery, parseWriteQuery, validatePatchQuery } from '../../../src/apiserver/util/query.js';
import { expectError } from './expect-error.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);
const token = encodeContinue({ revision: 5, startAfter: '/registry/converge.io/instances/default/a' });

t.test('list and watch parameters decode like kube-apiserver', async (t) => {
  const cases: { query: string; want: Record<string, unknown> }[] = [
    { query: '', want: { watch: false, allowWatchBookmarks: false } },
    { query: 'limit=10&continue=' + token, want: { watch: false, allowWatchBookmarks: false, limit: 10, continue: token } },
    { query: 'limit=0', want: { watch: false, allowWatchBookmarks: false, limit: 0 } },
    { query: 'limit=', want: { watch: false, allowWatchBookmarks: false } },
    { query: 'limit=5&limit=abc', want: { watch: false, allowWatchBookmarks: false, limit: 5 } },
    { query: 'resourceVersion=0', want: { watch: false, allowWatchBookmarks: false, resourceVersion: '0' } },
    { query: 'resourceVersion=12&resourceVersionMatch=NotOlderThan', want: { watch: false, allowWatchBookmarks: false, resourceVersion: '12', resourceVersionMatch: 'NotOlderThan' } },
    { query: 'resourceVersion=12&resourceVersionMatch=Exact', want: { watch: false, allowWatchBookmarks: false, resourceVersion: '12', resourceVersionMatch: 'Exact' } },
    { query: 'labelSelector=app%3Dweb,tier+in+(a,b)', want: { watch: false, allowWatchBookmarks: false, labelSelector: 'app=web,tier in (a,b)' } },
    { query: 'fieldSelector=metadata.name%3Dx', want: { watch: false, allowWatchBookmarks: false, fieldSelector: 'metadata.name=x' } },
    { query: 'watch=1', want: { watch: true, allowWatchBookmarks: false } },
    { query: 'watch=true&allowWatchBookmarks=true&timeoutSeconds=30&resourceVersion=7', want: { watch: true, allowWatchBookmarks: true, timeoutSeconds: 30, resourceVersion: '7' } },
    { query: 'watch=false', want: { watch: false, allowWatchBookmarks: false } },
    { query: 'watch=0', want: { watch: false, allowWatchBookmarks: false } },
    { query: 'watch=FALSE', want: { watch: false, allowWatchBookmarks: false } },
    { query: 'watch=yes', want: { watch: true, allowWatchBookmarks: false } },
    { query: 'watch=', want: { watch: true, allowWatchBookmarks: false } },
    { query: 'continue=' + token + '&resourceVersion=0', want: { watch: false, allowWatchBookmarks: false, continue: token, resourceVersion: '0' } },
    { query: 'pretty=true&unknown=1', want: { watch: false, allowWatchBookmarks: false } },
  ];
  for (const c of cases) t.same(parseListQuery(q(c.query)), c.want, c.query);
  t.same(parseListQuery(q('fieldSelector=spec.image%3Ddebian'), { selectableFields: ['spec.image'] }).fieldSelector, 'spec.image=debian');
  t.same(
    parseListQuery(q('watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan'), { allowSendInitialEvents: true }),
    { watch: true, allowWatchBookmarks: false, resourceVersionMatch: 'NotOlderThan', sendInitialEvents: true },
  );
});

t.test('undecodable list parameters are 400 naming the parameter', async (t) => {
  const cases: { query: string; message: RegExp }[] = [
    { query: 'limit=abc', message: /^limit: invalid value "abc": must be a non-negative integer/ },
    { query: 'limit=-1', message: /^limit: invalid value "-1"/ },
    { query: 'limit=1.5', message: /^limit:/ },
    { query: 'limit=99999999999999999999', message: /^limit:/ },
    { query: 'timeoutSeconds=soon', message: /^timeoutSeconds:/ },
    { query: 'resourceVersion=abc', message: /^resourceVersion: invalid value "abc"/ },
    { query: 'resourceVersion=-1', message: /^resourceVersion:/ },
    { query: 'labelSelector=a%3D%3D%3Db', message: /^labelSelector: / },
    { query: 'labelSelector=-x', message: /^labelSelector: unable to parse requirement/ },
    { query: 'fieldSelector=spec.foo%3D1', message: /^fieldSelector: field label not supported: spec\.foo$/ },
    { query: 'fieldSelector=metadata.name', message: /^fieldSelector: invalid selector/ },
    { query: 'continue=garbage!', message: /continue key is not valid/ },
    { query: 'continue=' + token + '&resourceVersion=9', message: /specifying resource version is not allowed when using continue/ },
  ];
  for (const c of cases) {
    expectError(t, () => parseListQuery(q(c.query)), { type: BadRequestError, status: 400, message: c.message }, c.query);
  }
});

t.test('forbidden list/watch combinations are 422 with causes', async (t) => {
  const cases: { query: string; causes: [string, string][]; allow?: boolean }[] = [
    { query: 'resourceVersionMatch=Exact', causes: [['resourceVersionMatch', 'FieldValueForbidden']] },
    { query: 'resourceVersion=1&resourceVersionMatch=Newest', causes: [['resourceVersionMatch', 'FieldValueNotSupported']] },
    { query: 'resourceVersion=0&resourceVersionMatch=Exact', causes: [['resourceVersionMatch', 'FieldValueForbidden']] },
    {
      query: `continue=${token}&resourceVersionMatch=NotOlderThan`,
      causes: [
        ['resourceVersionMatch', 'FieldValueForbidden'],
        ['resourceVersionMatch', 'FieldValueForbidden'],
      ],
    },
    { query: 'sendInitialEvents=true', causes: [['sendInitialEvents', 'FieldValueForbidden']] },
    { query: 'watch=1&resourceVersionMatch=NotOlderThan', causes: [['resourceVersionMatch', 'FieldValueForbidden']] },
    {
      query: 'watch=1&sendInitialEvents=true',
      causes: [
        ['resourceVersionMatch', 'FieldValueForbidden'],
        ['sendInitialEvents', 'FieldValueForbidden'],
      ],
    },
    { query: 'watch=1&sendInitialEvents=true&resourceVersionMatch=Exact', allow: true, causes: [['resourceVersionMatch', 'FieldValueForbidden'], ['resourceVersionMatch', 'FieldValueNotSupported']] },
  ];
  for (const c of cases) {
    const err = expectError(
      t,
      () => parseListQuery(q(c.query), { allowSendInitialEvents: c.allow ?? false }),
      { type: InvalidError, status: 422, message: /^ListOptions\.meta\.k8s\.io "" is invalid: / },
      c.query,
    );
    t.same(err?.causes.map((x) => [x.field, x.reason]), c.causes, `${c.query}: causes`);
  }
});

t.test('write parameters', async (t) => {
  t.same(parseWriteQuery(q('')), { dryRun: false, fieldValidation: 'Warn' });
  t.same(parseWriteQuery(q('dryRun=All&fieldManager=kubectl-client-side-apply&fieldValidation=Strict')), {
    dryRun: true,
    fieldManager: 'kubectl-client-side-apply',
    fieldValidation: 'Strict',
  });
  t.same(parseWriteQuery(q('dryRun=All&dryRun=All')).dryRun, true);
  t.same(parseWriteQuery(q('force=true&fieldManager=me')), { dryRun: false, fieldValidation: 'Warn', fieldManager: 'me', force: true });
  t.same(parseWriteQuery(q('propagationPolicy=Foreground&gracePeriodSeconds=0')), {
    dryRun: false,
    fieldValidation: 'Warn',
    propagationPolicy: 'Foreground',
    gracePeriodSeconds: 0,
  });
  t.same(parseWriteQuery(q('fieldManager=' + encodeURIComponent('ünïcødé manager'))).fieldManager, 'ünïcødé manager');
  t.same(parseWriteQuery(q('fieldValidation=Ignore')).fieldValidation, 'Ignore');
});

t.test('bad write parameters', async (t) => {
  const cases: { query: string; verb?: 'create' | 'update' | 'patch' | 'delete'; status: number; message: RegExp; field?: string }[] = [
    { query: 'dryRun=true', verb: 'create', status: 422, field: 'dryRun', message: /^CreateOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value: \["true"\]: supported values: "All"$/ },
    { query: 'dryRun=All&dryRun=Some', status: 422, field: 'dryRun', message: /^invalid query parameters: dryRun: Unsupported value/ },
    { query: 'dryRun=', verb: 'update', status: 422, field: 'dryRun', message: /^UpdateOptions/ },
    { query: 'fieldManager=' + 'x'.repeat(129), verb: 'patch', status: 422, field: 'fieldManager', message: /Too long: may not be more than 128 bytes/ },
    { query: 'fieldManager=' + 'é'.repeat(65), status: 422, field: 'fieldManager', message: /Too long/ },
    { query: 'fieldManager=a%00b', status: 422, field: 'fieldManager', message: /invalid character U\+0000/ },
    { query: 'fieldManager=a%0Ab', status: 422, field: 'fieldManager', message: /invalid character U\+000A/ },
    { query: 'fieldValidation=strict', status: 422, field: 'fieldValidation', message: /Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"/ },
    { query: 'propagationPolicy=Now', verb: 'delete', status: 422, field: 'propagationPolicy', message: /^DeleteOptions.*supported values: "Background", "Foreground", "Orphan"/ },
    { query: 'propagationPolicy=Orphan&orphanDependents=true', verb: 'delete', status: 422, field: 'orphanDependents', message: /Cannot both set OrphanDependents and PropagationPolicy/ },
    { query: 'gracePeriodSeconds=soon', status: 400, message: /^gracePeriodSeconds: invalid value "soon": must be an integer/ },
  ];
  for (const c of cases) {
    const err = expectError(
      t,
      () => parseWriteQuery(q(c.query), c.verb ? { verb: c.verb } : {}),
      { type: c.status === 400 ? BadRequestError : InvalidError, status: c.status, message: c.message },
      c.query,
    );
    if (c.field) t.equal(err?.causes[0]?.field, c.field, `${c.query}: cause field`);
  }
});

t.test('patch-type checks (ValidatePatchOptions)', async (t) => {
  validatePatchQuery(parseWriteQuery(q('fieldManager=me&force=true')), 'application/apply-patch+yaml');
  validatePatchQuery(parseWriteQuery(q('')), 'application/merge-patch+json');
  const forced = expectError(
    t,
    () => validatePatchQuery(parseWriteQuery(q('force=false')), 'application/merge-patch+json'),
    { type: InvalidError, status: 422, message: /^PatchOptions\.meta\.k8s\.io "" is invalid: force: Forbidden: may not be specified for non-apply patch$/ },
    'force on merge patch',
  );
  t.equal(forced?.causes[0]?.reason, 'FieldValueForbidden');
  const unnamed = expectError(
    t,
    () => validatePatchQuery(parseWriteQuery(q('')), 'application/apply-patch+yaml'),
    { type: InvalidError, status: 422, message: /fieldManager: Required value: is required for apply patch/ },
    'apply without fieldManager',
  );
  t.equal(unnamed?.causes[0]?.reason, 'FieldValueRequired');
});
