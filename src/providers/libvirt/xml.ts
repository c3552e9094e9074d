/**
 * XML in and out of libvirt with fast-xml-parser: attributes as `@_name`, text as `#text`, every value a
 * string (libvirt's numbers are parsed where they are read), repeated devices always arrays. The builder
 * escapes text and attribute values, so names and paths from the spec can never inject markup.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** A parsed element: attributes (`@_…`), text (`#text`) and child elements. */
export type XmlNode = { [key: string]: XmlValue };
/** A parsed value: text, an element, or repeated elements. */
export type XmlValue = string | XmlNode | XmlValue[];

/** Elements that may repeat in the documents Converge reads; parsed as arrays even when there is one. */
const REPEATED = new Set(['disk', 'interface', 'ip', 'range', 'host', 'volume', 'backingStore']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });

/** Parses a document into nodes; throws on malformed XML. */
export function parseXml(text: string): XmlNode {
  const parsed: unknown = parser.parse(text);
  return isNode(parsed) ? parsed : {};
}

/** Serialises nodes built with the conventions above (escaping every value). */
export function buildXml(doc: XmlNode): string {
  return String(builder.build(doc));
}

/** True for an element (not text, not a list). */
export function isNode(value: unknown): value is XmlNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The child element `key` of `node` (the first when repeated), or undefined. */
export function child(node: XmlValue | undefined, key: string): XmlNode | undefined {
  if (!isNode(node)) return undefined;
  const value = node[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (isNode(first)) return first;
  // `<tag/>` parses as '' and `<tag>text</tag>` as 'text': present, but without children or attributes.
  return typeof first === 'string' ? { '#text': first } : undefined;
}

/** Every child element `key` of `node`. */
export function children(node: XmlValue | undefined, key: string): XmlNode[] {
  if (!isNode(node)) return [];
  const value = node[key];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.flatMap((v) => (isNode(v) ? [v] : typeof v === 'string' ? [{ '#text': v }] : []));
}

/** Attribute `name` of `node`. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** Text content of `node` (`<memory unit='KiB'>65536</memory>` → "65536"). */
export function text(node: XmlNode | undefined): string | undefined {
  const value = node?.['#text'];
  return typeof value === 'string' ? value : undefined;
}

/** Follows `path` through first children: `at(doc, 'domain', 'devices')`. */
export function at(node: XmlValue | undefined, ...path: string[]): XmlNode | undefined {
  let current: XmlNode | undefined = isNode(node) ? node : undefined;
  for (const key of path) current = child(current, key);
  return current;
}
