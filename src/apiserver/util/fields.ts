/**
 * Kubernetes field selectors (`fieldSelector=metadata.name=foo,metadata.namespace!=kube-system`), parsed and
 * matched like k8s.io/apimachinery/pkg/fields: terms split on unescaped commas, values unescaped (`\,` `\=` `\\`),
 * no whitespace trimming, and only fields the resource declares selectable.
 */
import { BadRequestError } from '../../errors/index.js';
import type { KubeObject } from '../../../schemas/object.js';

/** Field selector operators; `=` and `==` mean the same. */
export type FieldOperator = '=' | '==' | '!=';

/** One `field op value` term, with the value already unescaped. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** The AND of its requirements; none = matches everything. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Fields kube-apiserver lets every custom resource select on. */
export const DEFAULT_SELECTABLE_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/** Splits on commas that are not escaped by a backslash, keeping escapes for {@link unescapeValue}. */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

/** The first operator occurrence splits the term: field names cannot contain escapes. */
function splitTerm(term: string): { field: string; operator: FieldOperator; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), operator: op, raw: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let out = '';
  let inSlash = false;
  for (const c of raw) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new BadRequestError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new BadRequestError(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new BadRequestError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses a field selector. The empty string selects everything.
 * @param allowedFields the fields this resource can be selected on (e.g. {@link DEFAULT_SELECTABLE_FIELDS}).
 * @throws BadRequestError for bad syntax or escapes, or `field label not supported: <field>`.
 */
export function parseFieldSelector(text: string, allowedFields: readonly string[]): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort()) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (parts === undefined) throw new BadRequestError(`invalid selector: '${text}'; can't understand '${term}'`);
    const value = unescapeValue(parts.raw);
    if (!allowedFields.includes(parts.field)) throw new BadRequestError(`field label not supported: ${parts.field}`);
    requirements.push({ field: parts.field, operator: parts.operator, value });
  }
  return { requirements };
}

/**
 * The string value of a dotted field path, as kube-apiserver compares it: missing or null = `""`,
 * numbers and booleans formatted, objects and arrays never equal to anything but themselves (= `undefined`).
 */
export function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return '';
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}

/** True when `obj` satisfies every requirement (`!=` also holds for a missing field unless the value is `""`). */
export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  return selector.requirements.every((r) => {
    const actual = fieldValue(obj, r.field);
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

/** Canonical text of a selector, re-escaping values; parses back to an equal selector. */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.requirements
    .map((r) => `${r.field}${r.operator}${r.value.replace(/[\\,=]/g, (c) => `\\${c}`)}`)
    .join(',');
}
