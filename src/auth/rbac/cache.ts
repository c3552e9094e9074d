/**
 * The authorizer's view of the RBAC objects: one informer per kind over the in-process client, so a new
 * binding is seen milliseconds after it is stored (a registry watch, no HTTP) and every decision is a lookup in
 * memory. Timers are unref'd: the caches must never keep a process alive that is otherwise done.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { clusterRoleBindingType, clusterRoleType, roleBindingType, roleType } from '../../../schemas/rbac.js';
import { createInProcessClient } from '../../client/inprocess.js';
import type { RegistryContext } from '../../registry/index.js';
import { Informer } from '../../runtime/informer.js';
import type { Clock } from '../../runtime/clock.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { RbacObjects } from './resolver.js';

const unrefClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Options of {@link RbacCache}. */
export interface RbacCacheOptions {
  readonly registry: RegistryContext;
  readonly logger?: Logger;
}

/** See the module comment. Explicit {@link start}; nothing runs before it. */
export class RbacCache implements RbacObjects {
  private readonly informers: { readonly crb: Informer; readonly cr: Informer; readonly rb: Informer; readonly role: Informer };
  private readonly abort = new AbortController();
  private started = false;

  constructor(options: RbacCacheOptions) {
    const client = createInProcessClient({ registry: options.registry, timers: unrefClock });
    const logger = options.logger ?? silentLogger();
    const informer = (type: typeof roleType) => new Informer({ client, type, clock: unrefClock, logger });
    this.informers = { crb: informer(clusterRoleBindingType), cr: informer(clusterRoleType), rb: informer(roleBindingType), role: informer(roleType) };
  }

  /** Starts the informers and resolves once all four have listed. */
  async start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const informer of Object.values(this.informers)) void informer.start(this.abort.signal);
    }
    await Promise.all(Object.values(this.informers).map((i) => i.waitForSync(this.abort.signal)));
  }

  /** Stops watching; the cache keeps what it last saw. */
  stop(): void {
    this.abort.abort();
  }

  clusterRoleBindings(): readonly KubeObject[] {
    return this.informers.crb.cache.list();
  }

  roleBindings(namespace: string): readonly KubeObject[] {
    return this.informers.rb.cache.list({ namespace });
  }

  clusterRoles(): readonly KubeObject[] {
    return this.informers.cr.cache.list();
  }

  clusterRole(name: string): KubeObject | undefined {
    return this.informers.cr.cache.get(name);
  }

  role(namespace: string, name: string): KubeObject | undefined {
    return this.informers.role.cache.get(`${namespace}/${name}`);
  }
}
