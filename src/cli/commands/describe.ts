import { stringify } from 'yaml';
import type { KubeObject } from '../../../schemas/object.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { parseTargetGroups } from '../resource-arg.js';
import { describeEvents, eventsFor } from './events.js';

const HELP = `Usage: converge describe KIND NAME... | KIND/NAME... [options]

Shows an object for humans: metadata, spec, status, conditions, drift and its recent events.

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

/**
 * Renders the describe text of one object (exported for tests); with `events`, ends with their `Events:`
 * section (ages relative to `now`, default the current time).
 */
export function describeObject(obj: KubeObject, events?: readonly KubeObject[], now: Date = new Date()): string {
  if (obj.kind === 'Secret') return `${describeSecret(obj)}${events !== undefined ? describeEvents(events, now) : ''}`;
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
  return `${lines.join('\n')}\n${events !== undefined ? describeEvents(events, now) : ''}`;
}

/** A Secret as `kubectl describe` shows it: its type and the size of each key, never a value. */
function describeSecret(obj: KubeObject): string {
  const m = obj.metadata;
  const record = obj as unknown as { type?: unknown; data?: unknown };
  const data = record.data !== null && typeof record.data === 'object' && !Array.isArray(record.data) ? (record.data as Record<string, unknown>) : {};
  const keys = Object.keys(data).sort();
  return [
    `Name:         ${m.name}`,
    ...(m.namespace ? [`Namespace:    ${m.namespace}`] : []),
    `Kind:         Secret`,
    `Labels:       ${Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
    `Annotations:  ${Object.keys(m.annotations ?? {}).join(', ') || '<none>'}`,
    `Created:      ${m.creationTimestamp ?? '<unknown>'}`,
    `Type:         ${typeof record.type === 'string' ? record.type : 'Opaque'}`,
    'Data:',
    ...(keys.length === 0 ? ['  <none>'] : keys.map((k) => `  ${k}: ${Buffer.from(String(data[k]), 'base64').length} bytes`)),
  ].join('\n') + '\n';
}

/** The object's events, or undefined when the server cannot list them (the section is then left out). */
async function eventsOrNothing(client: Parameters<typeof eventsFor>[0], obj: KubeObject): Promise<KubeObject[] | undefined> {
  try {
    return await eventsFor(client, obj);
  } catch {
    // Describing must still work against servers without Events (or without access to them).
    return undefined;
  }
}

/** `converge describe`. */
export async function runDescribe(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('describe', argv, connectionOptions);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const groups = parseTargetGroups(positionals);
  const unnamed = groups.find((g) => g.names.length === 0);
  if (unnamed) throw new CliError(`describe: name the ${unnamed.type.singular} to describe`, 2);
  const conn = connect(values);
  try {
    const out: string[] = [];
    for (const { type, names } of groups) {
      for (const name of names) {
        const obj = await conn.client.get(type, type.namespaced ? conn.namespace : undefined, name);
        out.push(describeObject(obj, await eventsOrNothing(conn.client, obj)));
      }
    }
    process.stdout.write(out.join('\n'));
    return 0;
  } finally {
    conn.client.close();
  }
}
