/**
 * `Accept` header negotiation as kube-apiserver does it: clauses sorted by q-value (specific types before
 * wildcards, otherwise in the client's order), and the first clause the endpoint can serve wins. The parameters
 * `as`, `g` and `v` ask for a transformed representation (Table, aggregated discovery); a clause asking for one
 * the endpoint cannot produce is skipped, so kubectl's fallback lists (`…as=Table…,application/json`) work.
 */
import { ConvergeError, ErrorCode } from '../../errors/index.js';

/** One parsed clause of an `Accept` header. Type, subtype and parameter names are lower-cased. */
export interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly params: Readonly<Record<string, string>>;
  /** Quality, 0..1; clauses with q=0 are dropped by {@link parseAccept}. */
  readonly q: number;
}

const ANY: MediaRange = { type: '*', subtype: '*', params: {}, q: 1 };
/** Headers longer than this are not parsed beyond it (browsers send < 1 KiB; this bounds the work). */
const MAX_ACCEPT_LENGTH = 8192;

/** Splits on `sep` outside double-quoted strings (parameter values may contain `,` and `;`). */
function splitUnquoted(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value;
}

function parseClause(clause: string): MediaRange | undefined {
  const [range = '', ...rawParams] = splitUnquoted(clause, ';');
  const full = range.trim().toLowerCase();
  const [type = '', subtype = '', ...extra] = full === '*' ? ['*', '*'] : full.split('/');
  if (type === '' || subtype === '' || extra.length > 0) return undefined;
  if (type === '*' && subtype !== '*') return undefined;
  // Null prototype: parameter names come from the client (`__proto__=…` must stay an ordinary key).
  const params = Object.create(null) as Record<string, string>;
  let q = 1;
  for (const raw of rawParams) {
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : unquote(raw.slice(eq + 1).trim());
    if (name === '') continue;
    if (name === 'q') {
      const parsed = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : Number.NaN;
      q = Number.isNaN(parsed) ? 0 : parsed;
    } else {
      params[name] = value;
    }
  }
  return { type, subtype, params, q };
}

const specificity = (r: MediaRange): number => (r.type !== '*' ? 2 : 0) + (r.subtype !== '*' ? 1 : 0);

/**
 * Parses an `Accept` header into clauses in preference order. A missing or blank header means `*\/*`.
 * Malformed clauses and q=0 clauses are dropped (so a header of only those accepts nothing).
 */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [ANY];
  const ranges: MediaRange[] = [];
  for (const clause of splitUnquoted(header.slice(0, MAX_ACCEPT_LENGTH), ',')) {
    if (clause.trim() === '') continue;
    const range = parseClause(clause);
    if (range !== undefined && range.q > 0) ranges.push(range);
  }
  // Array.prototype.sort is stable, so equal clauses keep the client's order.
  return ranges.sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
}

function matches(range: MediaRange, type: string, subtype: string): boolean {
  return (range.type === '*' || range.type === type) && (range.subtype === '*' || range.subtype === subtype);
}

/** Returns the first non-undefined answer of `pick` over the clauses in preference order. */
function firstAcceptable<T>(accept: string | undefined, pick: (range: MediaRange) => T | undefined): T | undefined {
  for (const range of parseAccept(accept)) {
    const picked = pick(range);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/** Media types an object endpoint serves, in server preference order (for wildcards). */
export const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml'] as const;
/** One of {@link OBJECT_MEDIA_TYPES}. */
export type ObjectMediaType = (typeof OBJECT_MEDIA_TYPES)[number];

/** Versions of `meta.k8s.io` Table kube-apiserver serves. */
export type TableVersion = 'v1' | 'v1beta1';

/** How to encode an object or list response. */
export interface ObjectFormat {
  readonly mediaType: ObjectMediaType;
  /** Set when the client asked for a `meta.k8s.io` Table of this version. */
  readonly table?: TableVersion;
  /** `pretty=1` was asked for. */
  readonly pretty: boolean;
}

const hasConversion = (p: Readonly<Record<string, string>>): boolean => 'as' in p || 'g' in p || 'v' in p;

/**
 * Chooses the response format of an object endpoint (get, list, watch, write responses).
 * @param options.allowTable whether this endpoint can answer with a Table (get, list, watch).
 * @throws ConvergeError NotAcceptable (406) when no clause can be served.
 */
export function negotiateObjectFormat(accept: string | undefined, options: { readonly allowTable: boolean }): ObjectFormat {
  const format = firstAcceptable<ObjectFormat>(accept, (range) => {
    const mediaType = OBJECT_MEDIA_TYPES.find((m) => {
      const [type = '', subtype = ''] = m.split('/');
      return matches(range, type, subtype);
    });
    if (mediaType === undefined) return undefined;
    const pretty = range.params['pretty'] === '1';
    if (!hasConversion(range.params)) return { mediaType, pretty };
    const { as, g, v } = range.params;
    if (options.allowTable && as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
      return { mediaType, table: v, pretty };
    }
    return undefined;
  });
  if (format === undefined) {
    throw new ConvergeError(
      ErrorCode.NotAcceptable,
      `only the following media types are accepted: ${OBJECT_MEDIA_TYPES.join(', ')}`,
    );
  }
  return format;
}

function tryObjectFormat(accept: string | undefined): ObjectFormat | undefined {
  try {
    return negotiateObjectFormat(accept, { allowTable: true });
  } catch {
    return undefined;
  }
}

/** The Table version the client prefers, or undefined when it prefers plain objects (or nothing servable). */
export function tableVersion(accept: string | undefined): TableVersion | undefined {
  return tryObjectFormat(accept)?.table;
}

/** True when the client's preferred servable representation is a `meta.k8s.io` Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return tableVersion(accept) !== undefined;
}

/** True when the client's preferred servable object encoding is YAML. */
export function wantsYaml(accept: string | undefined): boolean {
  return tryObjectFormat(accept)?.mediaType === 'application/yaml';
}

/** Versions of aggregated discovery (`apidiscovery.k8s.io`) served. */
export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

/**
 * The aggregated-discovery version to answer `/api` or `/apis` with, or undefined for legacy discovery
 * (`APIVersions`/`APIGroupList`): the first clause that is JSON without conversion parameters means legacy.
 */
export function aggregatedDiscoveryVersion(accept: string | undefined): AggregatedDiscoveryVersion | undefined {
  const choice = firstAcceptable<AggregatedDiscoveryVersion | 'legacy'>(accept, (range) => {
    if (!matches(range, 'application', 'json')) return undefined;
    if (!hasConversion(range.params)) return 'legacy';
    const { as, g, v } = range.params;
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) return v;
    return undefined;
  });
  return choice === 'legacy' ? undefined : choice;
}

/** True when `/api` or `/apis` should answer with an `APIGroupDiscoveryList`. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return aggregatedDiscoveryVersion(accept) !== undefined;
}

/** The `Content-Type` of an aggregated-discovery response of the given version. */
export function aggregatedDiscoveryContentType(version: AggregatedDiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** The protobuf media type of `/openapi/v2` (gnostic `openapi_v2.Document`), and its older spelling. */
export const OPENAPI_V2_PROTOBUF_TYPES = [
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
] as const;

/**
 * For `/openapi/v2` (kube-openapi's negotiation): the media type to answer with — JSON, or one of
 * {@link OPENAPI_V2_PROTOBUF_TYPES} echoed back — or undefined for 406.
 */
export function openApiV2MediaType(accept: string | undefined): string | undefined {
  const offers = ['application/json', ...OPENAPI_V2_PROTOBUF_TYPES];
  return firstAcceptable(accept, (range) =>
    offers.find((offer) => {
      const slash = offer.indexOf('/');
      return matches(range, offer.slice(0, slash), offer.slice(slash + 1));
    }),
  );
}

/** True when `/openapi/v2` should be answered in protobuf (what kubectl asks for). */
export function wantsProtobuf(accept: string | undefined): boolean {
  const chosen = openApiV2MediaType(accept);
  return chosen !== undefined && chosen !== 'application/json';
}
