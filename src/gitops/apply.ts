/**
 * Applying rendered objects: a server-side dry run of every object first (the API's own validation — schema,
 * immutable fields, admission — on the exact request that follows), and only when all of them pass, the real
 * server-side apply with field manager `converge-gitops`, kind rank by kind rank so that referenced objects
 * exist before their users. GitOps owns the fields it applies, so it takes them over from other managers
 * (`force`), as Flux does: the repository is the source of truth.
 */
import type { InventoryEntry, SyncError } from '../../schemas/gitrepository.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../client/types.js';
import { ConvergeError } from '../errors/index.js';
import type { ResolvedManifest } from '../manifests/resolve.js';
import { GITOPS_FIELD_MANAGER, inventoryEntry, withOwner, type Owner } from './owner.js';

/** Objects applied at once. */
const CONCURRENCY = 8;

/** Result of {@link applyObjects}. */
export interface ApplyResult {
  /** Objects the server accepted (for a dry run: would accept). */
  readonly applied: InventoryEntry[];
  readonly errors: SyncError[];
}

/** Options of {@link applyObjects}. */
export interface ApplyOptions {
  readonly client: ApiClient;
  readonly objects: readonly ResolvedManifest[];
  readonly owner: Owner;
  readonly dryRun: boolean;
  /** Field manager; default {@link GITOPS_FIELD_MANAGER}. */
  readonly fieldManager?: string;
  readonly signal?: AbortSignal;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One line for an API error, with its field causes. */
export function errorText(err: unknown): string {
  if (err instanceof ConvergeError && err.causes.length > 0) {
    return `${err.message}: ${err.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ')}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function errorOf(m: ResolvedManifest, err: unknown): SyncError {
  return { file: m.source, line: m.line, message: `${m.type.kind}/${m.object.metadata.name}: ${errorText(err)}` };
}

/**
 * Server-side applies `objects` (labelled with `owner`), dry run or for real. Every object is tried; the
 * caller decides what failures mean (a dry run with any error means: apply nothing).
 */
export async function applyObjects(options: ApplyOptions): Promise<ApplyResult> {
  const applied: InventoryEntry[] = [];
  const errors: SyncError[] = [];
  const kinds = [...new Set(options.objects.map((o) => o.type.kind))];
  for (const kind of kinds) {
    if (options.signal?.aborted) break;
    const batch = options.objects.filter((o) => o.type.kind === kind);
    await mapLimit(batch, CONCURRENCY, async (m) => {
      const body: KubeObject = withOwner(m.object, options.owner);
      try {
        const result = await options.client.patch(m.type, body.metadata.namespace, body.metadata.name, { type: 'apply', body }, {
          fieldManager: options.fieldManager ?? GITOPS_FIELD_MANAGER,
          force: true,
          dryRun: options.dryRun,
        });
        applied.push(inventoryEntry(m.type, result));
      } catch (err) {
        errors.push(errorOf(m, err));
      }
    });
  }
  return { applied, errors };
}
