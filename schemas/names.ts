/**
 * Kubernetes name rules (DNS-1123 labels and subdomains, qualified names, label values).
 * Each checker returns `undefined` when the value is fine, else a phrase saying what is wrong and
 * what is allowed, written to follow `Invalid value: "x": `.
 */

/** Longest DNS-1123 label (namespaces, label-key names). */
export const DNS1123_LABEL_MAX = 63;
/** Longest DNS-1123 subdomain (object names, label-key prefixes). */
export const DNS1123_SUBDOMAIN_MAX = 253;
/** Longest name part of a qualified name and longest label value. */
export const QUALIFIED_NAME_MAX = 63;

/** A DNS-1123 label: lowercase alphanumerics and '-', starting and ending with an alphanumeric. */
export const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: dot-separated DNS-1123 labels. Only RE2-compatible syntax (used in CRDs). */
export const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a qualified name (label and annotation keys, finalizers). */
export const QUALIFIED_NAME_PART_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** What a DNS-1123 subdomain may contain, for messages. */
export const DNS1123_SUBDOMAIN_HELP =
  "use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
/** What a DNS-1123 label may contain, for messages. */
export const DNS1123_LABEL_HELP =
  "use lowercase letters, digits and '-', starting and ending with a letter or digit";
const QUALIFIED_PART_HELP =
  "use letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/** Problem with `value` as a DNS-1123 subdomain (object names), or undefined if valid. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > DNS1123_SUBDOMAIN_MAX) {
    return `must be no more than ${DNS1123_SUBDOMAIN_MAX} characters (has ${value.length})`;
  }
  if (!DNS1123_SUBDOMAIN_RE.test(value)) return `not a valid DNS-1123 subdomain: ${DNS1123_SUBDOMAIN_HELP}`;
  return undefined;
}

/** Problem with `value` as a DNS-1123 label (namespaces), or undefined if valid. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > DNS1123_LABEL_MAX) {
    return `must be no more than ${DNS1123_LABEL_MAX} characters (has ${value.length})`;
  }
  if (!DNS1123_LABEL_RE.test(value)) return `not a valid DNS-1123 label: ${DNS1123_LABEL_HELP}`;
  return undefined;
}

/**
 * Problem with `value` as a qualified name `[prefix/]name` (label/annotation keys, finalizers), or
 * undefined. The prefix is a DNS-1123 subdomain; the name is ≤ 63 characters of {@link QUALIFIED_NAME_PART_RE}.
 */
export function qualifiedNameProblem(value: string): string | undefined {
  const parts = value.split('/');
  if (parts.length > 2) return "not a qualified name: use an optional DNS subdomain prefix and '/' followed by a name";
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix.length === 0) return 'has an empty prefix before \'/\'';
    const p = dns1123SubdomainProblem(prefix);
    if (p !== undefined) return `has an invalid prefix "${prefix}": ${p}`;
  }
  if (name.length === 0) return 'has an empty name part';
  if (name.length > QUALIFIED_NAME_MAX) {
    return `has a name part longer than ${QUALIFIED_NAME_MAX} characters (has ${name.length})`;
  }
  if (!QUALIFIED_NAME_PART_RE.test(name)) return `not a qualified name: ${QUALIFIED_PART_HELP}`;
  return undefined;
}

/** Problem with `value` as a label value (empty, or ≤ 63 qualified-name characters), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > QUALIFIED_NAME_MAX) {
    return `must be no more than ${QUALIFIED_NAME_MAX} characters (has ${value.length})`;
  }
  if (!QUALIFIED_NAME_PART_RE.test(value)) return `not a valid label value: ${QUALIFIED_PART_HELP}, or be empty`;
  return undefined;
}
