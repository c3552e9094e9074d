import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ManifestError, parseManifests, type ManifestDocument } from './parse.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Largest single manifest file read (a guard against pointing `-f` at a disk image). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Options of {@link loadManifests}. */
export interface LoadOptions {
  /** Descend into sub-directories of directory arguments (kubectl `-R`). Default true. */
  readonly recursive?: boolean;
  /** Reads standard input for `-`. */
  readonly stdin?: () => Promise<string>;
}

async function filesUnder(dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && recursive && !e.name.startsWith('.')) files.push(...(await filesUnder(path, recursive)));
    else if (e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name))) files.push(path);
  }
  return files;
}

async function readManifestFile(path: string): Promise<string> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES) throw new ManifestError(path, 1, `file is larger than ${MAX_FILE_BYTES} bytes`);
  return readFile(path, 'utf8');
}

/**
 * Reads every manifest named by `paths` (files, directories, or `-` for stdin), in a stable order (directory
 * entries sorted by name), and parses all their documents. Throws {@link ManifestError} for the first file that
 * cannot be read or parsed, naming it.
 */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<ManifestDocument[]> {
  const docs: ManifestDocument[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (!options.stdin) throw new ManifestError('-', 1, 'reading standard input is not supported here');
      docs.push(...parseManifests(await options.stdin(), '-'));
      continue;
    }
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new ManifestError(p, 1, 'no such file or directory');
    }
    const files = info.isDirectory() ? await filesUnder(p, options.recursive ?? true) : [p];
    for (const f of files) docs.push(...parseManifests(await readManifestFile(f), f));
  }
  return docs;
}
