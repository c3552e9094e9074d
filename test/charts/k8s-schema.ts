/**
 * Offline validation of rendered Kubernetes objects against the Kubernetes OpenAPI schemas compiled into
 * kubernetes-models (kubeconform would download its schemas from GitHub, which CI cannot reach).
 *
 * The Kubernetes schemas do not forbid unknown fields (the API server prunes or, with strict field validation,
 * rejects them), so a typo such as `imagee:` would pass a plain schema check. Like `kubeconform -strict`, this
 * also reports fields the schema does not know: the compiled validator reads every property its schema
 * declares, so it runs on a proxy that records which keys were read, and an object whose declared keys were
 * read but which holds others has unknown fields. Objects the validator never looks into (free-form JSON such
 * as a CRD's `default`) are not judged. kubernetes-models' generator strips `description` and `x-…` keys from
 * the schemas it compiles, which also drops real fields of those names (a CRD column's `description`,
 * `x-kubernetes-validations` in a CRD schema; its .d.ts files still declare them), so those names are never
 * reported.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';

/** A decoded manifest document. */
export type Manifest = Record<string, unknown>;

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(): void };
}

const models: readonly ModelClass[] = [
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
  Deployment,
  PodDisruptionBudget,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  CustomResourceDefinition,
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What the validator touched: for each object it looked into, the property names it read or tested. */
type Reads = WeakMap<object, Set<string>>;

function tracked(target: object, reads: Reads, proxies: WeakMap<object, object>): object {
  const cached = proxies.get(target);
  if (cached !== undefined) return cached;
  const note = (key: string | symbol) => {
    if (typeof key !== 'string') return;
    let keys = reads.get(target);
    if (keys === undefined) reads.set(target, (keys = new Set()));
    keys.add(key);
  };
  const proxy = new Proxy(target, {
    get(t, key, receiver) {
      note(key);
      const value: unknown = Reflect.get(t, key, receiver);
      return value !== null && typeof value === 'object' ? tracked(value, reads, proxies) : value;
    },
    has(t, key) {
      note(key);
      return Reflect.has(t, key);
    },
  });
  proxies.set(target, proxy);
  return proxy;
}

/** Field names absent from the compiled schemas although Kubernetes has them (see the module comment). */
function strippedByGenerator(key: string): boolean {
  return key === 'description' || key.startsWith('x-kubernetes-');
}

function unknownFields(node: unknown, path: string, reads: Reads, out: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => unknownFields(item, `${path}/${i}`, reads, out));
    return;
  }
  if (!isRecord(node)) return;
  const read = reads.get(node);
  if (read === undefined) return;
  for (const [key, value] of Object.entries(node)) {
    if (!read.has(key) && !strippedByGenerator(key)) out.push(`${path}/${key} is not a field of the schema`);
    else unknownFields(value, `${path}/${key}`, reads, out);
  }
}

/** True when a validator for `apiVersion`/`kind` is known here. */
export function hasSchema(obj: Manifest): boolean {
  return models.some((m) => m.apiVersion === obj['apiVersion'] && m.kind === obj['kind']);
}

/**
 * Validates `obj` against the Kubernetes schema of its apiVersion and kind. Returns the problems (empty when
 * valid): schema violations (wrong types, missing required fields, bad formats) and unknown fields. Throws an
 * Error when no schema is known for the kind, so that a new kind in the chart cannot go unchecked.
 */
export function validateManifest(obj: Manifest): string[] {
  const model = models.find((m) => m.apiVersion === obj['apiVersion'] && m.kind === obj['kind']);
  if (model === undefined) throw new Error(`no Kubernetes schema known for ${String(obj['apiVersion'])} ${String(obj['kind'])}`);
  const reads: Reads = new WeakMap();
  const problems: string[] = [];
  try {
    // The models' validate() checks `this`; calling it on the proxy validates obj as is and records the reads.
    model.prototype.validate.call(tracked(obj, reads, new WeakMap()));
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  unknownFields(obj, 'data', reads, problems);
  return problems;
}
