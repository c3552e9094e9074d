/**
 * GitRepository: a git source whose manifests Converge keeps applied (GitOps). The sync controller fetches
 * `url` at `ref` with the git CLI, renders the YAML under `path`, validates every object, server-side applies
 * them with field manager `converge-gitops` and prunes what left the repository.
 */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { conditionColumns, GROUP, localRef, plainCategories, statusShape, VERSION } from './common.js';
import { objectName, pollInterval, timestamp } from './fields.js';
import { addCause, FieldReason } from './issues.js';

/** Default share of the inventory one sync may delete (see `spec.maxPrunePercent`). */
export const DEFAULT_MAX_PRUNE_PERCENT = 50;
/** Most objects recorded in `status.inventory`. */
export const MAX_INVENTORY = 10_000;
/** Most errors recorded in `status.errors`. */
export const MAX_SYNC_ERRORS = 100;

const COMMIT_RE = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
/** Characters of a ref name (RE2-compatible, for the CRD); never an option. See {@link refNameProblem}. */
const REF_NAME_RE = /^[A-Za-z0-9._+][A-Za-z0-9._/+-]*$/;

/** What `git check-ref-format` would refuse beyond {@link REF_NAME_RE}, or undefined. */
function refNameProblem(text: string): string | undefined {
  if (text.includes('..') || text.includes('//') || text.includes('@{')) return 'must not contain "..", "//" or "@{"';
  if (text.endsWith('.') || text.endsWith('/') || text.endsWith('.lock')) return 'must not end with ".", "/" or ".lock"';
  return undefined;
}

/**
 * Why `text` cannot be a repository URL for the git CLI, or undefined. Anything git accepts is allowed
 * (https, ssh, scp-like `git@host:repo`, `file://`, local paths); what is refused would be read as an option
 * or smuggle a second line into git's credential protocol.
 */
export function gitUrlProblem(text: string): string | undefined {
  if (text.startsWith('-')) return 'must not start with "-"';
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'must not contain control characters';
  if (/^ext::/i.test(text) || /^fd::/i.test(text)) return 'the ext:: and fd:: transports run commands and are not allowed';
  return undefined;
}

/**
 * Why `text` cannot be `spec.path`, or undefined: it must stay inside the repository (relative, no `..`
 * segment). Symlinks pointing out of the checkout are refused when the repository is rendered.
 */
export function repoPathProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL';
  if (text.startsWith('/') || text.startsWith('\\') || /^[A-Za-z]:/.test(text)) return 'must be relative to the repository root';
  if (text.split(/[/\\]/).includes('..')) return 'must not contain ".." (paths may not leave the repository)';
  return undefined;
}

const refName = (description: string) =>
  z
    .string()
    .min(1)
    .max(255)
    .regex(REF_NAME_RE, { message: 'must be a valid git ref name such as "main" or "release/v1.2"' })
    .superRefine((text, ctx) => {
      const problem = refNameProblem(text);
      if (problem !== undefined) addCause(ctx, { path: [], reason: FieldReason.Invalid, message: `Invalid value: ${JSON.stringify(text)}: ${problem}` });
    })
    .describe(description);

const gitRef = z
  .strictObject({
    branch: refName('Branch to follow, e.g. main.').optional(),
    tag: refName('Tag to check out, e.g. v1.2.0.').optional(),
    commit: z
      .string()
      .regex(COMMIT_RE, { message: 'must be a full lower-case commit SHA (40 or 64 hex digits)' })
      .optional()
      .describe('Exact commit SHA to check out.'),
  })
  .superRefine((ref, ctx) => {
    const given = (['branch', 'tag', 'commit'] as const).filter((k) => ref[k] !== undefined);
    if (given.length > 1) {
      addCause(ctx, { path: [given[1] ?? 'commit'], reason: FieldReason.Forbidden, message: `Forbidden: set only one of branch, tag or commit (also set: ${given.join(', ')})` });
    }
  })
  .describe("What to check out: one of branch, tag or commit. When empty, the remote's default branch (HEAD).");

const secretKeyRef = z
  .strictObject({
    name: objectName('Name of the Secret.'),
    key: z
      .string()
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/, { message: "must consist of letters, digits, '-', '_' or '.'" })
      .optional()
      .describe('Key in the Secret holding the shared webhook token. Default token.'),
  })
  .describe('Secret in the GitRepository\'s namespace holding the webhook token.');

/** Schema of `GitRepository.spec`. */
export const gitRepositorySpec = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(4096)
      .superRefine((text, ctx) => {
        const problem = gitUrlProblem(text);
        if (problem !== undefined) addCause(ctx, { path: [], reason: FieldReason.Invalid, message: `Invalid value: ${JSON.stringify(text.slice(0, 64))}: ${problem}` });
      })
      .describe('Repository URL as the git CLI accepts it: https://, ssh://, git@host:path, file:// or a local path.'),
    ref: gitRef.optional(),
    path: z
      .string()
      .max(4096)
      .default('.')
      .superRefine((text, ctx) => {
        const problem = repoPathProblem(text);
        if (problem !== undefined) addCause(ctx, { path: [], reason: FieldReason.Invalid, message: `Invalid value: ${JSON.stringify(text.slice(0, 64))}: ${problem}` });
      })
      .describe('Directory inside the repository whose *.yaml/*.yml files (recursively) are applied. Default the root.'),
    interval: pollInterval('5m', 'How often the repository is fetched when no webhook triggers a sync, e.g. 1m, 5m. Between 1s and 24h. Default 5m.'),
    prune: z.boolean().default(false).describe('Delete objects this GitRepository applied that are no longer in the repository. Default false.'),
    suspend: z.boolean().default(false).describe('Stop syncing (nothing is fetched, applied or pruned) until set back to false. Default false.'),
    maxPrunePercent: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(DEFAULT_MAX_PRUNE_PERCENT)
      .describe('Deletion budget: a sync that would prune more than this share of the inventory prunes nothing. 100 disables the check. Default 50.'),
    secretRef: localRef(
      'Secret in this namespace with git credentials: username and password (https), or identity and known_hosts (ssh).',
      'Secret',
    ).optional(),
    webhook: z
      .strictObject({ secretRef: secretKeyRef })
      .optional()
      .describe('Push webhook (POST /hooks/v1/gitrepositories/NAMESPACE/NAME); pushes are verified with the token (HMAC-SHA256 or GitLab token).'),
  })
  .describe('Where the manifests live and how they are kept applied.');

const inventoryEntry = z
  .strictObject({
    apiVersion: z.string().max(253).describe('apiVersion of the object.'),
    kind: z.string().max(63).describe('Kind of the object.'),
    namespace: z.string().max(63).optional().describe('Namespace (absent for cluster-scoped kinds).'),
    name: z.string().max(253).describe('Name of the object.'),
  })
  .describe('One object this GitRepository applied.');

const syncError = z
  .strictObject({
    file: z.string().max(4096).describe('File relative to the repository root.'),
    line: z.number().int().min(0).describe('1-based line in the file (0 when unknown).'),
    message: z.string().max(4096).describe('What is wrong.'),
  })
  .describe('A problem with one manifest or object.');

/** Schema of `GitRepository.status`. */
export const gitRepositoryStatus = z
  .strictObject({
    ...statusShape,
    lastAppliedRevision: z.string().max(128).optional().describe('Commit SHA whose manifests were last applied.'),
    lastAttemptedRevision: z.string().max(128).optional().describe('Commit SHA of the last sync attempt.'),
    lastSyncTime: timestamp('When the last sync attempt finished.').optional(),
    inventory: z.array(inventoryEntry).max(MAX_INVENTORY).optional().describe('Objects applied from the repository (what prune compares against).'),
    errors: z.array(syncError).max(MAX_SYNC_ERRORS).optional().describe('Problems found by the last sync, each with its file and line.'),
  })
  .describe('Observed state of the sync.');

/** `GitRepository.spec` after defaulting. */
export type GitRepositorySpec = z.output<typeof gitRepositorySpec>;
/** `GitRepository.spec` as a user may write it. */
export type GitRepositorySpecInput = z.input<typeof gitRepositorySpec>;
/** `GitRepository.status`. */
export type GitRepositoryStatus = z.output<typeof gitRepositoryStatus>;
/** One entry of `status.inventory`. */
export type InventoryEntry = z.output<typeof inventoryEntry>;
/** One entry of `status.errors`. */
export type SyncError = z.output<typeof syncError>;

/** The GitRepository kind. */
export const gitRepositoryType: ResourceType<typeof gitRepositorySpec, typeof gitRepositoryStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  categories: plainCategories,
  namespaced: true,
  description:
    'GitRepository keeps the manifests in a git repository applied: Converge fetches url at ref, validates every object under path, server-side applies them and prunes those removed from the repository.',
  spec: gitRepositorySpec,
  status: gitRepositoryStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'URL', type: 'string', jsonPath: '.spec.url', description: 'Repository URL.', priority: 0 },
    { name: 'REVISION', type: 'string', jsonPath: '.status.lastAppliedRevision', description: 'Commit last applied.', priority: 0 },
    { name: 'SUSPENDED', type: 'boolean', jsonPath: '.spec.suspend', description: 'Syncing is suspended.', priority: 1 },
    { name: 'PATH', type: 'string', jsonPath: '.spec.path', description: 'Directory applied.', priority: 1 },
    { name: 'LAST-SYNC', type: 'date', jsonPath: '.status.lastSyncTime', description: 'When the last sync finished.', priority: 1 },
  ],
  immutableFields: [],
};
