/**
 * The audit policy: which requests are logged and how much of them, in the format of kube-apiserver's
 * `audit.k8s.io/v1` Policy so existing policy files work. Rules are tried in order and the first match wins;
 * a request no rule matches is not logged. Levels: `None` (not logged), `Metadata` (who, what, where, the
 * answer's code, latency), `Request` (plus the request body). `RequestResponse` is accepted as `Request`
 * (response bodies are never logged). Whatever the policy says, Secrets are never logged above Metadata:
 * their bodies are the secret values.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidError } from '../../errors/index.js';
import type { RequestAttributes } from '../types.js';

/** Audit levels, least to most detailed. */
export const AuditLevel = { None: 'None', Metadata: 'Metadata', Request: 'Request', RequestResponse: 'RequestResponse' } as const;
export type AuditLevel = (typeof AuditLevel)[keyof typeof AuditLevel];

const level = z.enum(['None', 'Metadata', 'Request', 'RequestResponse']);
const stage = z.enum(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']);
const strings = z.array(z.string()).optional();

const ruleSchema = z
  .object({
    level,
    users: strings,
    userGroups: strings,
    verbs: strings,
    resources: z
      .array(z.object({ group: z.string().optional(), resources: strings, resourceNames: strings }).strict())
      .optional(),
    namespaces: strings,
    nonResourceURLs: strings,
    omitStages: z.array(stage).optional(),
    omitManagedFields: z.boolean().optional(),
  })
  .strict()
  .refine((r) => r.nonResourceURLs === undefined || (r.resources === undefined && r.namespaces === undefined), {
    message: 'a rule cannot match both nonResourceURLs and resources or namespaces',
  });

const policySchema = z
  .object({
    apiVersion: z.enum(['audit.k8s.io/v1']).optional(),
    kind: z.literal('Policy').optional(),
    metadata: z.object({ name: z.string().optional() }).passthrough().optional(),
    rules: z.array(ruleSchema),
    omitStages: z.array(stage).optional(),
    omitManagedFields: z.boolean().optional(),
  })
  .strict();

/** One rule of a {@link AuditPolicy}; empty or absent lists match everything. */
export type AuditPolicyRule = z.infer<typeof ruleSchema>;
/** An `audit.k8s.io/v1` Policy. */
export type AuditPolicy = z.infer<typeof policySchema>;

/** The default policy: every request at Metadata, so every mutation is recorded without any body. */
export const DEFAULT_AUDIT_POLICY: AuditPolicy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] };

/** Resources whose bodies must never reach the log, whatever the policy says. */
const SECRET_RESOURCES = new Set(['secrets']);

/**
 * Parses a policy file's text (YAML or JSON). Rejects with `InvalidError` naming each bad field: an
 * unknown field is refused rather than ignored, since a misspelt matcher would silently widen a rule.
 */
export function parseAuditPolicy(text: string, source = 'audit policy'): AuditPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InvalidError(`${source}: not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const causes = parsed.error.issues.map((i) => ({ reason: 'FieldValueInvalid', message: i.message, field: i.path.join('.') }));
    throw new InvalidError(`${source}: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ')}`, { causes });
  }
  return parsed.data;
}

/** What a rule decided for one request. */
export interface PolicyDecision {
  readonly level: AuditLevel;
  /** Strip `metadata.managedFields` from a logged request body. */
  readonly omitManagedFields: boolean;
}

const NONE: PolicyDecision = { level: 'None', omitManagedFields: false };

const listHas = (list: readonly string[] | undefined, value: string): boolean => list === undefined || list.length === 0 || list.includes(value);

function matchesResource(rule: AuditPolicyRule, a: RequestAttributes): boolean {
  if (!a.resourceRequest) return false;
  if (rule.namespaces !== undefined && rule.namespaces.length > 0 && !rule.namespaces.includes(a.namespace ?? '')) return false;
  if (rule.resources === undefined || rule.resources.length === 0) return true;
  const combined = a.subresource !== undefined ? `${a.resource}/${a.subresource}` : a.resource;
  return rule.resources.some((gr) => {
    if ((gr.group ?? '') !== a.group) return false;
    if (gr.resourceNames !== undefined && gr.resourceNames.length > 0 && !gr.resourceNames.includes(a.name ?? '')) return false;
    if (gr.resources === undefined || gr.resources.length === 0) return true;
    // kube's documented matching: "pods" is not "pods/log"; "*" is everything; "*/log" any log; "pods/*" any subresource of pods.
    return gr.resources.some(
      (r) =>
        r === '*' ||
        r === combined ||
        (a.subresource !== undefined && r.startsWith('*/') && r.slice(2) === a.subresource) ||
        (a.subresource !== undefined && r.endsWith('/*') && r.slice(0, -2) === a.resource),
    );
  });
}

function matchesNonResource(rule: AuditPolicyRule, a: RequestAttributes): boolean {
  if (a.resourceRequest) return false;
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
}

function ruleMatches(rule: AuditPolicyRule, a: RequestAttributes): boolean {
  if (!listHas(rule.users, a.user.name)) return false;
  if (rule.userGroups !== undefined && rule.userGroups.length > 0 && !a.user.groups.some((g) => rule.userGroups?.includes(g))) return false;
  if (!listHas(rule.verbs, a.verb)) return false;
  const byResource = (rule.resources?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0;
  const byUrl = (rule.nonResourceURLs?.length ?? 0) > 0;
  if (byResource) return matchesResource(rule, a);
  if (byUrl) return matchesNonResource(rule, a);
  return true;
}

/** True for requests whose body would carry secret values. */
export function isSecretRequest(a: RequestAttributes): boolean {
  return a.resourceRequest && SECRET_RESOURCES.has(a.resource);
}

/**
 * The level `policy` assigns to a request: the first matching rule's, `None` when no rule matches or the
 * rule omits the ResponseComplete stage (the only stage Converge logs), and never above Metadata for Secrets.
 */
export function decideLevel(policy: AuditPolicy, a: RequestAttributes): PolicyDecision {
  if (policy.omitStages?.includes('ResponseComplete') === true) return NONE;
  const rule = policy.rules.find((r) => ruleMatches(r, a));
  if (rule === undefined || rule.omitStages?.includes('ResponseComplete') === true) return NONE;
  let chosen: AuditLevel = rule.level;
  if (chosen === 'RequestResponse') chosen = 'Request';
  if (chosen === 'Request' && isSecretRequest(a)) chosen = 'Metadata';
  return { level: chosen, omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false };
}
