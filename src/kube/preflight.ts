/**
 * What kube mode checks before it starts anything: that the API server answers, serves every kind the
 * controllers watch (the converge.io CRDs) and the Lease kind, and lets this identity list them. Without
 * this, an unreachable server or a missing CRD would only show as informers retrying forever at debug level;
 * with it, the process exits at once with one sentence saying what to fix.
 */
import { resourceTypes, secretType } from '../../schemas/index.js';
import { leaseType } from '../../schemas/lease.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { ConvergeError, ErrorCode, isNotFound, NotFoundError, UnavailableError } from '../errors/index.js';

/**
 * The kinds the controllers list and watch in every namespace: every Converge kind (each has a controller or
 * is watched by one) and Secrets, which the managed controllers watch to react when a ProviderConfig's
 * credentials change — so RBAC must let the service account list and watch Secrets cluster-wide.
 */
export const WATCHED_TYPES: readonly ResourceType[] = [...resourceTypes, secretType];

/** Options of {@link preflight}. */
export interface PreflightOptions {
  readonly client: Pick<ApiClient, 'list'>;
  /** Base URL of the API server, for messages. */
  readonly server: string;
  /** Where the Lease lives. */
  readonly leaseNamespace: string;
}

function resourceName(type: ResourceType): string {
  return type.group === '' ? `${type.plural}/${type.version}` : `${type.plural}.${type.group}/${type.version}`;
}

/** Lists one object of each kind; throws one readable catalogue error for the first problem found. */
export async function preflight(options: PreflightOptions): Promise<void> {
  const checks = [
    ...WATCHED_TYPES.map((type) => ({ type, namespace: undefined })),
    { type: leaseType, namespace: options.leaseNamespace },
  ];
  for (const { type, namespace } of checks) {
    try {
      await options.client.list(type, { limit: 1, ...(namespace !== undefined ? { namespace } : {}) });
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      if (isNotFound(err)) {
        const fix =
          type === leaseType
            ? 'leader election needs Kubernetes >= 1.14 (or pass --leader-elect=false)'
            : 'install the CRDs first (kubectl apply -f manifests/crds/ or the Helm chart)';
        throw new NotFoundError(`the API server at ${options.server} does not serve ${resourceName(type)}: ${fix}`, { cause: err });
      }
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const code = err instanceof ConvergeError ? err.code : ErrorCode.Internal;
      throw new ConvergeError(code, `cannot list ${resourceName(type)}${namespace !== undefined ? ` in namespace ${namespace}` : ''} on ${options.server}: ${message}`, {
        cause: err,
      });
    }
  }
}
