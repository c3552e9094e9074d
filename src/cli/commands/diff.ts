import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../schemas/object.js';
import { isNotFound } from '../../errors/index.js';
import { connect } from '../connect.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { readManifestArgs } from '../manifests.js';
import { objectRef } from '../resource-arg.js';
import { APPLY_FIELD_MANAGER } from './apply.js';

const HELP = `Usage: converge diff -f FILE|DIR|- [options]

Shows what "converge apply" would change, as a unified diff of live objects against the server's dry-run result
(defaults and other managers' fields included). Exit 0: no differences; 1: differences; >1: error.

Options:
  -f, --filename PATH   manifests to compare; repeatable
  -R, --recursive       also the files in sub-directories of a directory
  --force-conflicts     diff as if conflicts were forced
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

/**
 * What a diff compares: the desired state. Status and bookkeeping change on every controller write and would
 * only add noise (and races) to a diff of what `apply` would change.
 */
function comparable(obj: KubeObject | undefined): string {
  if (!obj) return '';
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = obj.metadata;
  const { status: _s, ...rest } = obj;
  return stringify({ ...rest, metadata });
}

/** `converge diff`. */
export async function runDiff(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags('diff', argv, {
    ...connectionOptions,
    filename: { type: 'string', short: 'f', multiple: true },
    recursive: { type: 'boolean', short: 'R', default: false },
    'force-conflicts': { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const conn = connect(values);
  try {
    const objects = await readManifestArgs(values.filename ?? [], conn.namespace, values.recursive === true);
    let differs = false;
    let failed = false;
    for (const m of objects) {
      const { namespace, name } = m.object.metadata;
      const ref = objectRef(m.type, name);
      try {
        const live = await conn.client.get(m.type, namespace, name).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        const merged = await conn.client.patch(m.type, namespace, name, { type: 'apply', body: m.object }, {
          fieldManager: APPLY_FIELD_MANAGER,
          force: values['force-conflicts'],
          dryRun: true,
        });
        const before = comparable(live);
        const after = comparable(merged);
        if (before === after) continue;
        differs = true;
        const label = `${m.type.plural}.${m.type.group}/${namespace ? `${namespace}/` : ''}${name}`;
        process.stdout.write(createTwoFilesPatch(`live/${label}`, `merged/${label}`, before, after, undefined, undefined, { context: 3 }));
      } catch (err) {
        failed = true;
        process.stderr.write(`error: ${m.source}:${m.line}: ${ref}: ${(err as Error).message}\n`);
      }
    }
    if (failed) return 2;
    return differs ? 1 : 0;
  } finally {
    conn.client.close();
  }
}
