/**
 * Turns zod issues into Kubernetes-style field causes: a full dotted path from the object root
 * (`spec.networks[0].networkRef`), a `FieldValue*` reason and a message that says what was expected
 * and what was given (`Invalid value: "4G": expected integer, got string`).
 */
import type { z } from 'zod';
import type { FieldCause } from '../src/errors/index.js';
import { FieldReason, isCauseParams, showValue } from './issues.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** Renders a field path: identifiers as `.name`, indices as `[0]`, other map keys as `[key]`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (out === '' ? key : `.${key}`) : `[${key}]`;
    }
  }
  return out;
}

/** JSON type name of a value, for "got …" messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Field names of the object schema that raised an issue, used to suggest a fix for a typo. */
function knownKeysOf(inst: unknown): readonly string[] {
  if (typeof inst !== 'object' || inst === null || !('_zod' in inst)) return [];
  const def: unknown = (inst as { _zod: { def?: unknown } })._zod.def;
  if (typeof def !== 'object' || def === null || !('shape' in def)) return [];
  const shape: unknown = (def as { shape: unknown }).shape;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
}

function isIntegerSchema(inst: unknown): boolean {
  return typeof inst === 'object' && inst !== null && 'isInt' in inst && (inst as { isInt: unknown }).isInt === true;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diag = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const up = row[j] ?? 0;
      row[j] = Math.min(up + 1, (row[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length] ?? 0;
}

/** The known field the user most likely meant by `unknown`, if any is close enough. */
export function suggestField(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const kl = k.toLowerCase();
    const score = kl === lower ? 0 : kl.startsWith(lower) || lower.startsWith(kl) ? 1 : editDistance(lower, kl);
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(unknown.length / 4)) ? best : undefined;
}

/** Side information gathered while zod reports issues (zod drops the schema from finished issues). */
export interface IssueContext {
  /** Known keys of each object that had unknown keys, by `formatPath('', path)`. */
  readonly knownKeys: Map<string, readonly string[]>;
}

/** A fresh {@link IssueContext}. */
export function newIssueContext(): IssueContext {
  return { knownKeys: new Map() };
}

/**
 * A per-parse zod error map: writes the detail part of each message and records what the cause
 * conversion needs later. Messages given explicitly on a check (`.regex(re, {message})`) take precedence.
 */
export function errorMapFor(ctx: IssueContext): (issue: RawIssue) => string | undefined {
  return (issue) => {
    switch (issue.code) {
      case 'invalid_type': {
        if (issue.input === undefined) return 'Required value';
        const expected = issue.expected === 'int' || (issue.expected === 'number' && isIntegerSchema(issue.inst)) ? 'integer' : issue.expected;
        return `Invalid value: ${showValue(issue.input)}: expected ${expected}, got ${jsonTypeOf(issue.input)}`;
      }
      case 'too_small':
        return sizeMessage('at least', issue.origin, issue.minimum, issue.inclusive ?? true);
      case 'too_big':
        return sizeMessage('at most', issue.origin, issue.maximum, issue.inclusive ?? true);
      case 'invalid_format':
        return issue.format === 'regex' && typeof issue.pattern === 'string' ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
      case 'unrecognized_keys':
        ctx.knownKeys.set(formatPath('', issue.path ?? []), knownKeysOf(issue.inst));
        return 'unknown field';
      case 'not_multiple_of':
        return `must be a multiple of ${issue.divisor}`;
      default:
        return undefined;
    }
  };
}

function sizeMessage(bound: 'at least' | 'at most', origin: string, limit: number | bigint, inclusive: boolean): string {
  const shown = inclusive ? `${bound} ${limit}` : `${bound === 'at least' ? 'more than' : 'less than'} ${limit}`;
  const plural = limit === 1 || limit === 1n ? '' : 's';
  switch (origin) {
    case 'string':
      return `must have ${shown} character${plural}`;
    case 'array':
    case 'set':
      return `must have ${shown} item${plural}`;
    default:
      return `must be ${shown}`;
  }
}

function reasonOfSize(issue: Issue & { code: 'too_big' | 'too_small' }): FieldReason {
  if (issue.code === 'too_big' && issue.origin === 'string') return FieldReason.TooLong;
  if (issue.code === 'too_big' && issue.origin === 'array') return FieldReason.TooMany;
  return FieldReason.Invalid;
}

/**
 * Converts finished zod issues (parsed with {@link errorMapFor} and `reportInput: true`) into causes
 * whose `field` starts at `root` (e.g. `spec`).
 */
export function issuesToCauses(issues: readonly Issue[], root: string, ctx: IssueContext): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const issue of issues) {
    const field = formatPath(root, issue.path);
    switch (issue.code) {
      case 'invalid_type':
        causes.push({
          field,
          reason: issue.input === undefined ? FieldReason.Required : FieldReason.TypeInvalid,
          message: issue.message,
        });
        break;
      case 'invalid_value':
        causes.push({
          field,
          reason: FieldReason.NotSupported,
          message: `Unsupported value: ${showValue(issue.input)}: supported values: ${issue.values.map((v) => showValue(v)).join(', ')}`,
        });
        break;
      case 'unrecognized_keys': {
        const known = ctx.knownKeys.get(formatPath('', issue.path)) ?? [];
        for (const key of issue.keys) {
          const hint = suggestField(key, known);
          causes.push({
            field: formatPath(root, [...issue.path, key]),
            reason: FieldReason.Forbidden,
            message: `unknown field ${showValue(key)}${hint === undefined ? '' : `; did you mean ${showValue(hint)}?`}`,
          });
        }
        break;
      }
      case 'invalid_key': {
        const inner = issue.issues[0];
        causes.push({
          field,
          reason: FieldReason.Invalid,
          message: `Invalid value: key ${showValue(issue.input)}: ${inner === undefined ? 'is not allowed' : inner.message}`,
        });
        break;
      }
      case 'too_big':
      case 'too_small':
        if (issue.code === 'too_small' && issue.input === '') {
          causes.push({ field, reason: FieldReason.Required, message: 'Required value: must not be empty' });
          break;
        }
        causes.push({ field, reason: reasonOfSize(issue), message: `Invalid value: ${showValue(issue.input)}: ${issue.message}` });
        break;
      case 'custom':
        if (isCauseParams(issue.params)) {
          causes.push({ field, reason: issue.params.reason, message: issue.message });
          break;
        }
        causes.push({ field, reason: FieldReason.Invalid, message: `Invalid value: ${showValue(issue.input)}: ${issue.message}` });
        break;
      default:
        causes.push({ field, reason: FieldReason.Invalid, message: `Invalid value: ${showValue(issue.input)}: ${issue.message}` });
    }
  }
  return causes;
}
