/**
 * Kind-specific write steps beyond schema validation, like kube-apiserver's per-resource REST strategies:
 * normalising what is stored and checking an update against the stored object. Every write path (HTTP
 * create/update/patch/server-side apply and the in-process client) reaches them through `prepare.ts`.
 */
import type { JsonObject, KubeObject, ObjectMeta } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import type { FieldCause } from '../errors/index.js';
import { secretStrategy } from './secret.js';
import { rbacStrategies } from '../auth/rbac/strategy.js';

/** What a {@link WriteStrategy} decided: the fields to store, or the causes that make the write invalid. */
export interface StrategyResult {
  readonly fields: JsonObject;
  readonly causes: readonly FieldCause[];
}

/** What a {@link WriteStrategy} may look at besides the fields. */
export interface StrategyContext {
  /** Metadata of the object being written (validated). */
  readonly metadata: ObjectMeta;
  /** The stored object on updates; undefined on creates. */
  readonly old: KubeObject | undefined;
}

/** The kind-specific part of preparing a write of a kind with a top-level body (core kinds). */
export interface WriteStrategy {
  /**
   * Checks the schema-validated top-level `fields` (everything but apiVersion, kind and metadata) and returns
   * what to store. Must be pure and idempotent: patches and applies re-run it on a fresh read after a conflict.
   */
  prepare(fields: JsonObject, context: StrategyContext): StrategyResult;
}

// RBAC kinds: kube's checks plus the escalation check (a user cannot grant what they do not hold).
const strategies: ReadonlyMap<string, WriteStrategy> = new Map([['v1/Secret', secretStrategy], ...rbacStrategies]);

/** The write strategy of `type`, or undefined when schema validation is all it needs. */
export function strategyFor(type: ResourceType): WriteStrategy | undefined {
  return strategies.get(`${apiVersionOf(type)}/${type.kind}`);
}
