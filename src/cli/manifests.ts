import { servedTypes } from '../../schemas/index.js';
import { loadManifests } from '../manifests/load.js';
import { ManifestError } from '../manifests/parse.js';
import { resolveManifests, type ResolvedManifest } from '../manifests/resolve.js';
import { CliError } from './errors.js';
import { readStdin } from './flags.js';

/**
 * Loads, parses and validates every manifest named by `-f` before anything is sent. Any problem prints one
 * line per error (`file:line: Kind/name: field: message`) and fails the command: nothing is written.
 */
export async function readManifestArgs(files: readonly string[], defaultNamespace: string, recursive: boolean): Promise<ResolvedManifest[]> {
  if (files.length === 0) throw new CliError('no manifests given: use -f FILE|DIR|-', 2);
  let docs;
  try {
    docs = await loadManifests(files, { recursive, stdin: readStdin });
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(`${err.message} (nothing was applied)`, 1);
    throw err;
  }
  // Every kind the server serves: Converge's, and core/RBAC kinds users keep next to them (Secrets, Roles, bindings).
  const { objects, errors } = resolveManifests(docs, { types: servedTypes, defaultNamespace });
  if (errors.length > 0) {
    for (const e of errors.slice(0, -1)) process.stderr.write(`error: ${e.message}\n`);
    throw new CliError(`${errors.at(-1)?.message ?? ''} (${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was applied)`, 1);
  }
  if (objects.length === 0) throw new CliError(`no objects found in ${files.join(', ')}`, 1);
  return objects;
}
