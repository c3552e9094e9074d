/**
 * Selector text → predicate, parsed exactly as the API server parses the `labelSelector` and
 * `fieldSelector` query parameters, so both clients accept and reject the same selectors.
 */
import type { KubeObject } from '../../schemas/object.js';
import { DEFAULT_SELECTABLE_FIELDS, matchesFields, parseFieldSelector } from '../apiserver/util/fields.js';
import { matchesLabels, parseLabelSelector } from '../apiserver/util/labels.js';

/** Selector texts as given to list and watch. */
export interface SelectorText {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * The predicate of the given selectors, or undefined when there are none.
 * @throws BadRequestError for malformed selectors or unsupported fields (only `metadata.name`/`metadata.namespace`).
 */
export function selectorPredicate(text: SelectorText): ((obj: KubeObject) => boolean) | undefined {
  const labels = text.labelSelector ? parseLabelSelector(text.labelSelector) : undefined;
  const fields = text.fieldSelector ? parseFieldSelector(text.fieldSelector, DEFAULT_SELECTABLE_FIELDS) : undefined;
  if (labels === undefined && fields === undefined) return undefined;
  return (obj) =>
    (labels === undefined || matchesLabels(labels, obj.metadata.labels)) &&
    (fields === undefined || matchesFields(fields, obj));
}
