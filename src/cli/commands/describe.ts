import { stringify } from 'yaml';
import type { KubeObject } from '../../../schemas/object.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { parseTargets } from '../resource-arg.js';

const HELP = `Usage: converge describe KIND NAME [options]

Shows an object for humans: metadata, spec, status, conditions and drift.

Options:
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

function indent(text: string, by: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

interface Drift {
  path?: string;
  desired?: unknown;
  observed?: unknown;
  firstSeen?: string;
  lastSeen?: string;
}

/** Renders the describe text of one object (exported for tests). */
export function describeObject(obj: KubeObject): string {
  const m = obj.metadata;
  const lines = [
    `Name:         ${m.name}`,
    ...(m.namespace ? [`Namespace:    ${m.namespace}`] : []),
    `Kind:         ${obj.kind}`,
    `Labels:       ${Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
    `Annotations:  ${Object.keys(m.annotations ?? {}).join(', ') || '<none>'}`,
    `Created:      ${m.creationTimestamp ?? '<unknown>'}`,
    `Generation:   ${m.generation ?? 0}`,
    ...(m.deletionTimestamp ? [`Deleting:     since ${m.deletionTimestamp} (finalizers: ${(m.finalizers ?? []).join(', ') || 'none'})`] : []),
    'Spec:',
    indent(stringify(obj.spec ?? {}), '  '),
  ];
  const status = { ...(obj.status ?? {}) };
  const conditions = (status['conditions'] ?? []) as Condition[];
  const drift = (status['drift'] ?? []) as Drift[];
  delete status['conditions'];
  delete status['drift'];
  lines.push('Status:', Object.keys(status).length > 0 ? indent(stringify(status), '  ') : '  <none>');
  lines.push('Conditions:');
  if (conditions.length === 0) lines.push('  <none>');
  for (const c of conditions) {
    lines.push(`  ${(c.type ?? '').padEnd(8)} ${(c.status ?? '').padEnd(7)} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}${c.lastTransitionTime ? `  (since ${c.lastTransitionTime})` : ''}`);
  }
  lines.push('Drift:');
  if (drift.length === 0) lines.push('  <none>');
  for (const d of drift) {
    lines.push(`  ${d.path ?? ''}: desired ${JSON.stringify(d.desired)}, observed ${JSON.stringify(d.observed)} (first seen ${d.firstSeen ?? '?'}, last seen ${d.lastSeen ?? '?'})`);
  }
  return `${lines.join('\n')}\n`;
}

/** `converge describe`. */
export async function runDescribe(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('describe', argv, connectionOptions);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { type, names } = parseTargets(positionals);
  if (names.length === 0) throw new CliError(`describe: name the ${type.singular} to describe`, 2);
  const conn = connect(values);
  try {
    const out: string[] = [];
    for (const name of names) out.push(describeObject(await conn.client.get(type, type.namespaced ? conn.namespace : undefined, name)));
    process.stdout.write(out.join('\n'));
    return 0;
  } finally {
    conn.client.close();
  }
}
