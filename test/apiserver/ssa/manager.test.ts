import t from 'tap';
import { InvalidError } from '../../../src/errors/index.js';
import { fieldManagerFor } from '../../../src/apiserver/ssa/index.js';

t.test('the manager name comes from ?fieldManager, else from the User-Agent', async (t) => {
  const cases: [string, string | undefined, string | undefined, boolean, string][] = [
    ['query wins', 'converge-gitops', 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc', false, 'converge-gitops'],
    ['apply with a manager', 'kubectl', 'kubectl/v1.32.0', true, 'kubectl'],
    ['client-side apply user agent', undefined, 'kubectl-client-side-apply/v1.20.15 (linux/amd64) kubernetes/8f1e5bf', false, 'kubectl-client-side-apply'],
    ['empty query falls back', '', 'kubectl-edit/v1.32.0', false, 'kubectl-edit'],
    ['no slash', undefined, 'curl', false, 'curl'],
    ['unprintable characters dropped', undefined, 'my\u0007agent\u00a0x/1.0', false, 'myagentx'],
    ['nothing at all', undefined, undefined, false, ''],
    ['long agents are cut at 128 bytes', undefined, `${'é'.repeat(70)}/1`, false, 'é'.repeat(64)],
  ];
  for (const [name, query, userAgent, isApply, want] of cases) t.equal(fieldManagerFor({ query, userAgent, isApply }), want, name);
});

t.test('bad field managers are rejected like kube (422 on the options)', async (t) => {
  const cases: [string, string | undefined, boolean, string, string][] = [
    ['apply needs a manager', undefined, true, 'FieldValueRequired', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'],
    ['apply with an empty one', '', true, 'FieldValueRequired', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'],
    ['too long', 'm'.repeat(129), false, 'FieldValueTooLong', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'],
    ['unprintable', 'a\tb', true, 'FieldValueInvalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\tb": invalid character U+0009 (at position 1)'],
  ];
  for (const [name, query, isApply, reason, message] of cases) {
    let err: unknown;
    try {
      fieldManagerFor({ query, userAgent: 'kubectl/v1.32.0', isApply });
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof InvalidError, name);
    if (!(err instanceof InvalidError)) continue;
    t.equal(err.httpStatus, 422, name);
    t.equal(err.message, message, name);
    t.equal(err.kind, 'PatchOptions', name);
    t.same(err.causes.map((c) => [c.field, c.reason]), [['fieldManager', reason]], name);
  }
  t.equal(fieldManagerFor({ query: 'm'.repeat(128), userAgent: undefined, isApply: true }), 'm'.repeat(128), '128 bytes is fine');
  t.throws(() => fieldManagerFor({ query: '\u0000', userAgent: undefined, isApply: false, optionsKind: 'UpdateOptions' }), {
    message: /^UpdateOptions\.meta\.k8s\.io "" is invalid/,
  });
});
