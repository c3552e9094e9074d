/**
 * Checks over a rendered chart that a cluster would otherwise only reveal after installing it: every object
 * is valid for its Kubernetes schema, and the objects refer to each other correctly (selectors match the pod
 * labels, ports and probes name a container port, the ServiceAccount, claim and roles exist).
 */
import { hasSchema, validateManifest, type Manifest } from './k8s-schema.js';

/** Namespace the chart tests render into. */
export const NAMESPACE = 'converge-system';

/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Namespace']);

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `obj.a.b.c` for a path `['a','b','c']`, undefined when any step is missing. */
export function at(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const step of path) {
    if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
    else cur = record(cur)[step];
  }
  return cur;
}

/** The objects of `kind`. */
export function ofKind(objs: readonly Manifest[], kind: string): Manifest[] {
  return objs.filter((o) => o['kind'] === kind);
}

/** The one object of `kind`; throws when there is none or several. */
export function only(objs: readonly Manifest[], kind: string): Manifest {
  const found = ofKind(objs, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, rendered ${found.length}`);
  return found[0]!;
}

/** The Deployment's only container. */
export function container(objs: readonly Manifest[]): Record<string, unknown> {
  const containers = list(at(only(objs, 'Deployment'), 'spec', 'template', 'spec', 'containers'));
  if (containers.length !== 1) throw new Error(`expected one container, rendered ${containers.length}`);
  return record(containers[0]);
}

/** The container's args as strings. */
export function args(objs: readonly Manifest[]): string[] {
  return list(container(objs)['args']).map(String);
}

/** The value following `flag` in `argv` (`--flag value`), or the `--flag=value` form's value. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

function subset(selector: Record<string, unknown>, labels: Record<string, unknown>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function name(obj: unknown): string {
  return String(at(obj, 'metadata', 'name'));
}

/** The ServiceMonitor's shape (its CRD is not part of kubernetes-models): the fields Prometheus Operator needs. */
function serviceMonitorProblems(sm: Manifest, services: readonly Manifest[]): string[] {
  const problems: string[] = [];
  if (sm['apiVersion'] !== 'monitoring.coreos.com/v1') problems.push(`ServiceMonitor apiVersion is ${String(sm['apiVersion'])}`);
  const allowed = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
  for (const key of Object.keys(sm)) if (!allowed.has(key)) problems.push(`ServiceMonitor has unknown top-level field ${key}`);
  const selector = record(at(sm, 'spec', 'selector', 'matchLabels'));
  const matched = services.filter((s) => subset(selector, record(at(s, 'metadata', 'labels'))));
  if (matched.length === 0) problems.push('ServiceMonitor selects no rendered Service');
  const namespaces = list(at(sm, 'spec', 'namespaceSelector', 'matchNames'));
  if (!namespaces.includes(NAMESPACE)) problems.push(`ServiceMonitor does not look in namespace ${NAMESPACE}`);
  const endpoints = list(at(sm, 'spec', 'endpoints'));
  if (endpoints.length === 0) problems.push('ServiceMonitor has no endpoints');
  const portNames = new Set(matched.flatMap((s) => list(at(s, 'spec', 'ports')).map((p) => at(p, 'name'))));
  for (const e of endpoints) {
    if (!portNames.has(at(e, 'port'))) problems.push(`ServiceMonitor endpoint port ${String(at(e, 'port'))} is not a port of the selected Service`);
    if (at(e, 'path') !== '/metrics') problems.push(`ServiceMonitor endpoint path is ${String(at(e, 'path'))}, not /metrics`);
    for (const key of ['interval', 'scrapeTimeout']) {
      const v = at(e, key);
      if (v !== undefined && !/^(\d+(ms|s|m|h|d|w|y))+$/.test(String(v))) problems.push(`ServiceMonitor endpoint ${key} ${String(v)} is not a Prometheus duration`);
    }
  }
  return problems;
}

/**
 * Everything wrong with a rendered chart, as readable sentences (empty when it is sound). `existingClaim`:
 * the PersistentVolumeClaim the Deployment may mount without the chart rendering it.
 */
export function renderedProblems(objs: readonly Manifest[], options: { readonly existingClaim?: string } = {}): string[] {
  const problems: string[] = [];
  for (const obj of objs) {
    const what = `${String(obj['kind'])} ${name(obj)}`;
    if (obj['kind'] !== 'ServiceMonitor') {
      if (!hasSchema(obj)) problems.push(`${what}: no Kubernetes schema to validate it against`);
      else for (const p of validateManifest(obj)) problems.push(`${what}: ${p}`);
    }
    const ns = at(obj, 'metadata', 'namespace');
    if (CLUSTER_SCOPED.has(String(obj['kind']))) {
      if (ns !== undefined) problems.push(`${what} is cluster-scoped but has namespace ${String(ns)}`);
    } else if (ns !== NAMESPACE) problems.push(`${what} is in namespace ${String(ns)}, not ${NAMESPACE}`);
  }

  const deployment = only(objs, 'Deployment');
  const podLabels = record(at(deployment, 'spec', 'template', 'metadata', 'labels'));
  if (!subset(record(at(deployment, 'spec', 'selector', 'matchLabels')), podLabels)) problems.push('Deployment selector does not match its pod labels');
  const c = container(objs);
  const portNames = new Set(list(c['ports']).map((p) => at(p, 'name')));
  for (const [probe, path] of [
    ['livenessProbe', '/livez'],
    ['readinessProbe', '/readyz'],
  ] as const) {
    if (at(c, probe, 'httpGet', 'path') !== path) problems.push(`${probe} path is ${String(at(c, probe, 'httpGet', 'path'))}, not ${path}`);
    if (!portNames.has(at(c, probe, 'httpGet', 'port'))) problems.push(`${probe} port is not a container port`);
  }

  const services = ofKind(objs, 'Service');
  for (const s of services) {
    if (!subset(record(at(s, 'spec', 'selector')), podLabels)) problems.push(`Service ${name(s)} selects no pod of the Deployment`);
    for (const p of list(at(s, 'spec', 'ports'))) {
      if (!portNames.has(at(p, 'targetPort'))) problems.push(`Service ${name(s)} targetPort ${String(at(p, 'targetPort'))} is not a container port`);
    }
  }

  const podSpec = at(deployment, 'spec', 'template', 'spec');
  const sa = String(at(podSpec, 'serviceAccountName'));
  if (!ofKind(objs, 'ServiceAccount').some((o) => name(o) === sa)) problems.push(`the pods run as ServiceAccount ${sa}, which is not rendered`);
  // Volumes mounted by the main container or an init container.
  const containers = [c, ...list(at(podSpec, 'initContainers'))];
  const mounts = new Set(containers.flatMap((x) => list(at(x, 'volumeMounts')).map((m) => at(m, 'name'))));
  for (const v of list(at(podSpec, 'volumes'))) {
    if (!mounts.has(at(v, 'name'))) problems.push(`volume ${String(at(v, 'name'))} is never mounted`);
    const claim = at(v, 'persistentVolumeClaim', 'claimName');
    if (claim !== undefined && claim !== options.existingClaim && !ofKind(objs, 'PersistentVolumeClaim').some((o) => name(o) === claim)) {
      problems.push(`volume ${String(at(v, 'name'))} mounts claim ${String(claim)}, which is not rendered`);
    }
  }

  for (const binding of [...ofKind(objs, 'RoleBinding'), ...ofKind(objs, 'ClusterRoleBinding')]) {
    const roleKind = String(at(binding, 'roleRef', 'kind'));
    const roleName = String(at(binding, 'roleRef', 'name'));
    if (!ofKind(objs, roleKind).some((r) => name(r) === roleName)) problems.push(`${String(binding['kind'])} ${name(binding)} refers to ${roleKind} ${roleName}, not rendered`);
    const subjects = list(at(binding, 'subjects'));
    if (!subjects.some((s) => at(s, 'kind') === 'ServiceAccount' && at(s, 'name') === sa && at(s, 'namespace') === NAMESPACE)) {
      problems.push(`${String(binding['kind'])} ${name(binding)} does not bind the pods' ServiceAccount`);
    }
  }

  for (const pdb of ofKind(objs, 'PodDisruptionBudget')) {
    if (!subset(record(at(pdb, 'spec', 'selector', 'matchLabels')), podLabels)) problems.push(`PodDisruptionBudget ${name(pdb)} selects no pod of the Deployment`);
  }
  for (const sm of ofKind(objs, 'ServiceMonitor')) problems.push(...serviceMonitorProblems(sm, services));
  return problems;
}

/** One API request as RBAC sees it. */
export interface ApiRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
}

function ruleAllows(rule: unknown, req: ApiRequest): boolean {
  const has = (field: string, value: string) => {
    const values = list(at(rule, field)).map(String);
    return values.includes(value) || values.includes('*');
  };
  const resource = req.subresource === '' ? req.resource : `${req.resource}/${req.subresource}`;
  return has('apiGroups', req.group) && has('resources', resource) && has('verbs', req.verb);
}

/**
 * True when a rendered ClusterRole or Role allows `req` ({@link renderedProblems} checks that each is bound to
 * the pods' ServiceAccount). Roles count in their own namespace only, which the caller checks for the Lease.
 */
export function rbacAllows(objs: readonly Manifest[], req: ApiRequest): boolean {
  return [...ofKind(objs, 'ClusterRole'), ...ofKind(objs, 'Role')].some((role) => list(at(role, 'rules')).some((rule) => ruleAllows(rule, req)));
}
