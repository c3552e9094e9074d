/**
 * Kubernetes label selectors: the `labelSelector` query syntax (k8s.io/apimachinery/pkg/labels) and the
 * structured `{matchLabels, matchExpressions}` form used in specs. Parsing, validation, messages and matching
 * follow apimachinery so that kubectl's `-l` behaves here exactly as against a real cluster.
 */
import { BadRequestError, InvalidError, type FieldCause } from '../../errors/index.js';
import { labelValueErrors, qualifiedNameErrors } from './names.js';

/** Requirement operators, spelled as apimachinery's `selection.Operator`. */
export const SelectorOperator = {
  In: 'in',
  NotIn: 'notin',
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  Exists: 'exists',
  DoesNotExist: '!',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;
/** One of {@link SelectorOperator}. */
export type SelectorOperator = (typeof SelectorOperator)[keyof typeof SelectorOperator];

/** One condition on one label key. `values` is sorted and free of duplicates. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/**
 * A parsed selector: the AND of its requirements (sorted by key). No requirements = matches everything,
 * unless `matchesNothing` (what a missing selector object means for controllers).
 */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly matchesNothing: boolean;
}

/** The structured selector of specs (`metav1.LabelSelector`). */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}

/** The selector that matches every object. */
export const EVERYTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]), matchesNothing: false });
/** The selector that matches no object. */
export const NOTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]), matchesNothing: true });

const Tok = {
  Error: 0,
  End: 1,
  ClosedPar: 2,
  Comma: 3,
  DoesNotExist: 4,
  DoubleEquals: 5,
  Equals: 6,
  GreaterThan: 7,
  Identifier: 8,
  In: 9,
  LessThan: 10,
  NotEquals: 11,
  NotIn: 12,
  OpenPar: 13,
} as const;
type Tok = (typeof Tok)[keyof typeof Tok];

const LITERALS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', Tok.ClosedPar],
  [',', Tok.Comma],
  ['!', Tok.DoesNotExist],
  ['==', Tok.DoubleEquals],
  ['=', Tok.Equals],
  ['>', Tok.GreaterThan],
  ['in', Tok.In],
  ['<', Tok.LessThan],
  ['!=', Tok.NotEquals],
  ['notin', Tok.NotIn],
  ['(', Tok.OpenPar],
]);

interface Item {
  readonly tok: Tok;
  readonly lit: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean =>
  ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';

/** Splits the selector into tokens the way apimachinery's lexer does (longest operator match). */
function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isWhitespace(text[pos]!)) pos++;
    if (pos >= text.length) {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    const start = pos;
    if (isSpecial(text[pos]!)) {
      let best: Item | undefined;
      while (pos < text.length && isSpecial(text[pos]!)) {
        const tok = LITERALS.get(text.slice(start, pos + 1));
        if (tok !== undefined) best = { tok, lit: text.slice(start, pos + 1) };
        else if (best !== undefined) break;
        pos++;
      }
      if (best === undefined) {
        items.push({ tok: Tok.Error, lit: `error expected: keyword found '${text.slice(start, pos)}'` });
        items.push({ tok: Tok.End, lit: '' });
        return items;
      }
      pos = start + best.lit.length;
      items.push(best);
    } else {
      while (pos < text.length && !isSpecial(text[pos]!) && !isWhitespace(text[pos]!)) pos++;
      const lit = text.slice(start, pos);
      items.push({ tok: LITERALS.get(lit) ?? Tok.Identifier, lit });
    }
  }
}

function fail(message: string): never {
  throw new BadRequestError(message);
}

/** Recursive-descent parser over the token list; `in`/`notin` read as identifiers where values are expected. */
class Parser {
  private pos = 0;
  constructor(private readonly items: readonly Item[]) {}

  private peek(asValue: boolean): Item {
    const item = this.items[Math.min(this.pos, this.items.length - 1)]!;
    return asValue && (item.tok === Tok.In || item.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: item.lit } : item;
  }

  private next(asValue: boolean): Item {
    const item = this.peek(asValue);
    this.pos++;
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === Tok.End) return reqs;
      if (tok !== Tok.Identifier && tok !== Tok.DoesNotExist) {
        fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      reqs.push(this.requirement());
      const after = this.next(true);
      if (after.tok === Tok.End) return reqs;
      if (after.tok !== Tok.Comma) fail(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.tok !== Tok.Identifier && following.tok !== Tok.DoesNotExist) {
        fail(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let item = this.next(true);
    if (item.tok === Tok.DoesNotExist) {
      negated = true;
      item = this.next(true);
    }
    if (item.tok !== Tok.Identifier) fail(`unable to parse requirement: found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) fail(`unable to parse requirement: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    const ahead = this.peek(true).tok;
    if (negated) return newRequirement(key, SelectorOperator.DoesNotExist, []);
    if (ahead === Tok.End || ahead === Tok.Comma) return newRequirement(key, SelectorOperator.Exists, []);
    const op = this.operator();
    const values = op === SelectorOperator.In || op === SelectorOperator.NotIn ? this.valueSet() : [this.exactValue()];
    return newRequirement(key, op, values);
  }

  private operator(): SelectorOperator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case Tok.In: return SelectorOperator.In;
      case Tok.NotIn: return SelectorOperator.NotIn;
      case Tok.Equals: return SelectorOperator.Equals;
      case Tok.DoubleEquals: return SelectorOperator.DoubleEquals;
      case Tok.NotEquals: return SelectorOperator.NotEquals;
      case Tok.GreaterThan: return SelectorOperator.GreaterThan;
      case Tok.LessThan: return SelectorOperator.LessThan;
      default:
        return fail(`unable to parse requirement: found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  /** `(a,b,,c)`; as in apimachinery, empty entries and `()` stand for the empty value. */
  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== Tok.OpenPar) fail(`unable to parse requirement: found '${open.lit}' expected: '('`);
    const values = new Set<string>();
    if (this.peek(true).tok === Tok.ClosedPar) {
      this.pos++;
      return [''];
    }
    let expectValue = true;
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === Tok.ClosedPar && !expectValue) return [...values];
      if (tok === Tok.ClosedPar) {
        values.add('');
        return [...values];
      }
      if (tok === Tok.Identifier && expectValue) {
        values.add(lit);
        expectValue = false;
      } else if (tok === Tok.Comma) {
        if (expectValue) values.add('');
        expectValue = true;
      } else {
        fail(`unable to parse requirement: found '${lit}', expected: ',', ')' or identifier`);
      }
    }
  }

  private exactValue(): string {
    const ahead = this.peek(true);
    if (ahead.tok === Tok.End || ahead.tok === Tok.Comma) return '';
    this.pos++;
    if (ahead.tok !== Tok.Identifier) fail(`unable to parse requirement: found '${ahead.lit}', expected: identifier`);
    return ahead.lit;
  }
}

/** Validates one requirement the way apimachinery's NewRequirement does; returns the problems found. */
function requirementErrors(key: string, op: SelectorOperator, values: readonly string[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const invalid = (field: string, value: unknown, detail: string): void => {
    causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
  };
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) invalid('key', key, keyErrs.join('; '));
  switch (op) {
    case SelectorOperator.In:
    case SelectorOperator.NotIn:
      if (values.length === 0) invalid('values', values, "for 'in', 'notin' operators, values set can't be empty");
      break;
    case SelectorOperator.Equals:
    case SelectorOperator.DoubleEquals:
    case SelectorOperator.NotEquals:
      if (values.length !== 1) invalid('values', values, 'exact-match compatibility requires one single value');
      break;
    case SelectorOperator.Exists:
    case SelectorOperator.DoesNotExist:
      if (values.length !== 0) invalid('values', values, 'values set must be empty for exists and does not exist');
      break;
    case SelectorOperator.GreaterThan:
    case SelectorOperator.LessThan:
      if (values.length !== 1) invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required");
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer");
      });
      break;
  }
  values.forEach((v, i) => {
    const errs = labelValueErrors(v);
    if (errs.length > 0) invalid(`values[${i}][${key}]`, v, errs.join('; '));
  });
  return causes;
}

function newRequirement(key: string, operator: SelectorOperator, values: readonly string[]): LabelRequirement {
  const causes = requirementErrors(key, operator, values);
  if (causes.length > 0) {
    fail(`unable to parse requirement: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`);
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

/** Parses a decimal int64 as Go's strconv.ParseInt would accept it; undefined if it would not. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

function byKey(a: LabelRequirement, b: LabelRequirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Parses the `labelSelector` query syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`, joined by commas (AND). The empty string selects everything.
 * @throws BadRequestError with apimachinery's message when the text or a key/value is invalid.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new Parser(lex(text)).parse();
  return { requirements: requirements.sort(byKey), matchesNothing: false };
}

function requirementMatches(req: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.operator) {
    case SelectorOperator.In:
    case SelectorOperator.Equals:
    case SelectorOperator.DoubleEquals:
      return value !== undefined && req.values.includes(value);
    case SelectorOperator.NotIn:
    case SelectorOperator.NotEquals:
      return value === undefined || !req.values.includes(value);
    case SelectorOperator.Exists:
      return has;
    case SelectorOperator.DoesNotExist:
      return !has;
    case SelectorOperator.GreaterThan:
    case SelectorOperator.LessThan: {
      const actual = value === undefined ? undefined : parseInt64(value);
      const bound = req.values.length === 1 ? parseInt64(req.values[0]!) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return req.operator === SelectorOperator.GreaterThan ? actual > bound : actual < bound;
    }
  }
}

/** True when `labels` (absent = no labels) satisfy every requirement of `selector`. */
export function matchesLabels(selector: LabelSelector, labels?: Readonly<Record<string, string>>): boolean {
  if (selector.matchesNothing) return false;
  const set = labels ?? {};
  return selector.requirements.every((req) => requirementMatches(req, set));
}

const EXPRESSION_OPERATORS: Readonly<Record<string, SelectorOperator>> = {
  In: SelectorOperator.In,
  NotIn: SelectorOperator.NotIn,
  Exists: SelectorOperator.Exists,
  DoesNotExist: SelectorOperator.DoesNotExist,
};

/**
 * Converts a spec's `{matchLabels, matchExpressions}` into a selector (apimachinery's LabelSelectorAsSelector):
 * null/undefined matches nothing, an empty object matches everything.
 * @param options.fieldPath where the selector sits in the object, used in error causes (e.g. `spec.selector`).
 * @throws InvalidError with one cause per bad key, operator or value.
 */
export function selectorFromLabelSelectorObject(
  obj: LabelSelectorObject | null | undefined,
  options: { readonly fieldPath?: string } = {},
): LabelSelector {
  if (obj === null || obj === undefined) return NOTHING;
  const base = options.fieldPath ?? 'selector';
  const requirements: LabelRequirement[] = [];
  const causes: FieldCause[] = [];
  const collect = (path: string, key: string, op: SelectorOperator, values: readonly string[]): void => {
    const errs = requirementErrors(key, op, values);
    for (const c of errs) causes.push({ ...c, field: `${path}.${c.field}` });
    if (errs.length === 0) requirements.push({ key, operator: op, values: [...new Set(values)].sort() });
  };
  for (const [key, value] of Object.entries(obj.matchLabels ?? {})) {
    collect(`${base}.matchLabels`, key, SelectorOperator.Equals, [value]);
  }
  (obj.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${base}.matchExpressions[${i}]`;
    const op = Object.prototype.hasOwnProperty.call(EXPRESSION_OPERATORS, expr.operator)
      ? EXPRESSION_OPERATORS[expr.operator]
      : undefined;
    if (op === undefined) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: `${path}.operator`,
        message: `Unsupported value: ${JSON.stringify(expr.operator)}: supported values: "DoesNotExist", "Exists", "In", "NotIn"`,
      });
      return;
    }
    collect(path, expr.key, op, expr.values ?? []);
  });
  if (causes.length > 0) {
    throw new InvalidError(`invalid label selector: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, { causes });
  }
  return { requirements: requirements.sort(byKey), matchesNothing: false };
}

/** Canonical text of a selector (apimachinery's `String()`); parses back to an equal selector. */
export function labelSelectorToString(selector: LabelSelector): string {
  return selector.requirements
    .map((r) => {
      switch (r.operator) {
        case SelectorOperator.Exists: return r.key;
        case SelectorOperator.DoesNotExist: return `!${r.key}`;
        case SelectorOperator.In: return `${r.key} in (${r.values.join(',')})`;
        case SelectorOperator.NotIn: return `${r.key} notin (${r.values.join(',')})`;
        case SelectorOperator.GreaterThan: return `${r.key}>${r.values[0] ?? ''}`;
        case SelectorOperator.LessThan: return `${r.key}<${r.values[0] ?? ''}`;
        default: return `${r.key}${r.operator}${r.values[0] ?? ''}`;
      }
    })
    .join(',');
}
