/**
 * Kubernetes-style RBAC for the API server (issue #8): Role/ClusterRole/RoleBinding/ClusterRoleBinding objects
 * (schemas/rbac.ts) decide every request, including list and watch; writes of those objects cannot grant more
 * than the writer holds (escalation.ts, enforced by the registry's RBAC write strategies); the built-in
 * roles are applied at start (bootstrap.ts).
 */
import { createInProcessClient } from '../../client/inprocess.js';
import type { Logger } from '../../observability/logger.js';
import type { RegistryContext } from '../../registry/index.js';
import { RbacAuthorizer } from './authorizer.js';
import { ensureBootstrapPolicy } from './bootstrap.js';
import { RbacCache } from './cache.js';

export { RbacAuthorizer } from './authorizer.js';
export { RbacCache } from './cache.js';
export { AUTOUPDATE_ANNOTATION, BOOTSTRAP_FIELD_MANAGER, CONTROLLERS_USER, bootstrapPolicy, ensureBootstrapPolicy } from './bootstrap.js';
export { confirmNoEscalation, type RbacOracle, type RbacWrite } from './escalation.js';
export { ruleAllows, uncoveredRules, compactRuleString } from './rules.js';
export { rulesFor, visitRules, type RbacObjects } from './resolver.js';

/** Options of {@link startRbac}. */
export interface StartRbacOptions {
  readonly registry: RegistryContext;
  readonly logger?: Logger;
}

/** A running RBAC authorizer and the cache it reads. */
export interface Rbac {
  readonly authorizer: RbacAuthorizer;
  readonly cache: RbacCache;
  /** Stops the cache's watches (decisions then use the last state seen). */
  stop(): void;
}

/**
 * Applies the built-in policy, starts the RBAC cache and resolves once it has listed every RBAC kind, so the
 * first request is decided on the full policy. Call from a security factory (`SecurityContext.registry`).
 */
export async function startRbac(options: StartRbacOptions): Promise<Rbac> {
  await ensureBootstrapPolicy(createInProcessClient({ registry: options.registry }));
  const cache = new RbacCache({ registry: options.registry, ...(options.logger !== undefined ? { logger: options.logger } : {}) });
  await cache.start();
  return { authorizer: new RbacAuthorizer(cache), cache, stop: () => cache.stop() };
}
