/**
 * The registry write strategies of the four RBAC kinds (see src/registry/strategy.ts): kube-apiserver's checks
 * beyond the schema (rules name verbs and either resources or URLs; subjects and roleRef well-formed; roleRef
 * immutable), the v1 defaulting of subject API groups, and then the escalation check (escalation.ts), so every
 * write path — create, update, every patch type, server-side apply, dry runs — is covered in one place.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import {
  aggregationRuleSchema,
  policyRuleCauses,
  policyRuleSchema,
  RBAC_GROUP,
  roleRefCauses,
  roleRefSchema,
  subjectCauses,
  subjectSchema,
  type Subject,
} from '../../../schemas/rbac.js';
import { InvalidError, type FieldCause } from '../../errors/index.js';
import { selectorFromLabelSelectorObject } from '../../apiserver/util/labels.js';
import type { StrategyContext, StrategyResult, WriteStrategy } from '../../registry/strategy.js';
import { confirmNoEscalation } from './escalation.js';

const rulesField = policyRuleSchema.array().optional();
const subjectsField = subjectSchema.array().optional();

/** A field of an already schema-validated object, re-read with its type (never fails in practice). */
function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, value: JsonValue | undefined, fallback: T): T {
  const result = schema.safeParse(value);
  return result.success ? result.data : fallback;
}

function roleStrategy(kind: 'Role' | 'ClusterRole'): WriteStrategy {
  const namespaced = kind === 'Role';
  return {
    prepare(fields: JsonObject, { metadata, old }: StrategyContext): StrategyResult {
      const rules = parsed(rulesField, fields['rules'], undefined) ?? [];
      const causes: FieldCause[] = rules.flatMap((rule, i) => policyRuleCauses(rule, `rules[${i}]`, { namespaced }));
      const aggregation = kind === 'ClusterRole' ? parsed(aggregationRuleSchema.optional(), fields['aggregationRule'], undefined) : undefined;
      (aggregation?.clusterRoleSelectors ?? []).forEach((selector, i) => {
        try {
          selectorFromLabelSelectorObject(selector, { fieldPath: `aggregationRule.clusterRoleSelectors[${i}]` });
        } catch (err) {
          if (err instanceof InvalidError) causes.push(...err.causes);
          else throw err;
        }
      });
      if (causes.length > 0) return { fields, causes };
      const grantsChanged =
        old === undefined ||
        !isDeepStrictEqual((old as { rules?: unknown }).rules ?? [], fields['rules'] ?? []) ||
        !isDeepStrictEqual((old as { aggregationRule?: unknown }).aggregationRule, fields['aggregationRule']) ||
        // Labels decide which aggregated ClusterRoles include this one.
        (kind === 'ClusterRole' && !isDeepStrictEqual(old.metadata.labels ?? {}, metadata.labels ?? {}));
      if (grantsChanged) {
        confirmNoEscalation({
          kind,
          name: metadata.name,
          ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}),
          rules,
          aggregated: (aggregation?.clusterRoleSelectors ?? []).length > 0,
        });
      }
      return { fields, causes: [] };
    },
  };
}

/** kube's v1 defaulting: User and Group subjects belong to the RBAC group, ServiceAccounts to the core group. */
function defaulted(subject: Subject): Subject {
  if (subject.apiGroup !== undefined) return subject;
  return { ...subject, apiGroup: subject.kind === 'ServiceAccount' ? '' : RBAC_GROUP };
}

function bindingStrategy(kind: 'RoleBinding' | 'ClusterRoleBinding'): WriteStrategy {
  const namespaced = kind === 'RoleBinding';
  return {
    prepare(fields: JsonObject, { metadata, old }: StrategyContext): StrategyResult {
      const subjects = (parsed(subjectsField, fields['subjects'], undefined) ?? []).map(defaulted);
      const roleRef = parsed(roleRefSchema.optional(), fields['roleRef'], undefined);
      const causes: FieldCause[] = subjects.flatMap((s, i) => subjectCauses(s, `subjects[${i}]`, { namespaced }));
      if (roleRef === undefined) causes.push({ reason: 'FieldValueRequired', field: 'roleRef', message: 'Required value' });
      else causes.push(...roleRefCauses(roleRef, { namespaced }));
      const oldRef = (old as { roleRef?: unknown } | undefined)?.roleRef;
      if (old !== undefined && !isDeepStrictEqual(oldRef, fields['roleRef'])) {
        causes.push({ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${JSON.stringify(fields['roleRef'])}: cannot change roleRef` });
      }
      const next: JsonObject = { ...fields };
      if (fields['subjects'] !== undefined) next['subjects'] = subjects as unknown as JsonValue;
      if (causes.length > 0 || roleRef === undefined) return { fields: next, causes };
      const oldSubjects = (old as { subjects?: unknown } | undefined)?.subjects ?? [];
      if (old === undefined || !isDeepStrictEqual(oldSubjects, next['subjects'] ?? [])) {
        confirmNoEscalation({ kind, name: metadata.name, ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}), roleRef });
      }
      return { fields: next, causes: [] };
    },
  };
}

/** Strategies by `apiVersion/Kind`, for the registry's strategy table. */
export const rbacStrategies: ReadonlyMap<string, WriteStrategy> = new Map([
  [`${RBAC_GROUP}/v1/Role`, roleStrategy('Role')],
  [`${RBAC_GROUP}/v1/ClusterRole`, roleStrategy('ClusterRole')],
  [`${RBAC_GROUP}/v1/RoleBinding`, bindingStrategy('RoleBinding')],
  [`${RBAC_GROUP}/v1/ClusterRoleBinding`, bindingStrategy('ClusterRoleBinding')],
]);
