/**
 * The 409 an apply answers with when it would change fields other managers own, worded as
 * kube-apiserver words it (`NewConflictError`): one `FieldManagerConflict` cause per field.
 */
import { ConflictError, type FieldCause } from '../../errors/index.js';
import { compareStrings } from './json.js';
import { describeManager, managerIdentity } from './managers.js';
import { renderPath } from './path.js';
import type { Conflict } from './updater.js';

/** Status cause reason of an apply conflict (metav1.CauseTypeFieldManagerConflict). */
export const FIELD_MANAGER_CONFLICT = 'FieldManagerConflict';

/**
 * A {@link ConflictError} for `conflicts` (at least one). Causes and message groups are ordered by
 * manager identity, then by path, so the answer is deterministic.
 */
export function conflictError(conflicts: readonly Conflict[]): ConflictError {
  const groups = new Map<string, { who: string; paths: string[] }>();
  for (const c of conflicts) {
    const id = managerIdentity(c.owner);
    const g = groups.get(id) ?? { who: describeManager(c.owner), paths: [] };
    g.paths.push(renderPath(c.path));
    groups.set(id, g);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, g]) => g);
  const causes: FieldCause[] = ordered.flatMap((g) =>
    g.paths.map((field) => ({ reason: FIELD_MANAGER_CONFLICT, message: `conflict with ${g.who}`, field })),
  );
  const first = causes[0];
  const message =
    causes.length === 1 && first !== undefined
      ? `Apply failed with 1 conflict: ${first.message}: ${first.field}`
      : `Apply failed with ${causes.length} conflicts: ${ordered
          .map((g) => [`conflicts with ${g.who}:`, ...g.paths.map((p) => `- ${p}`)].join('\n'))
          .join('\n')}`;
  return new ConflictError(message, { causes });
}
