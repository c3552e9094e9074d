/**
 * Rendering a checked-out directory: every `*.yaml`/`*.yml` under `path` (recursively, hidden entries
 * skipped), multi-document, parsed and validated with the same loaders as `converge apply`. Nothing may come
 * from outside the checkout: `..` and absolute paths are refused, and so is any symlink whose target leaves it.
 * Problems are collected (all of them, each with a file relative to the root and a line) rather than thrown.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { repoPathProblem, type SyncError } from '../../schemas/gitrepository.js';
import type { ResourceType } from '../../schemas/types.js';
import { ManifestError, parseManifests, type ManifestDocument } from '../manifests/parse.js';
import { resolveManifests, type ResolvedManifest } from '../manifests/resolve.js';

const EXTENSIONS = new Set(['.yaml', '.yml']);
/** Largest manifest file read. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Most manifest files read from one tree (a guard against pointing a sync at a huge repository). */
const MAX_FILES = 10_000;

/** Options of {@link renderTree}. */
export interface RenderOptions {
  /** The checkout (or watched directory); nothing outside it is read. */
  readonly root: string;
  /** Directory inside `root` to render, relative (`.` for the root). */
  readonly path: string;
  /** Namespace of namespaced objects that name none. */
  readonly defaultNamespace: string;
  /** Kinds that may appear. */
  readonly types: readonly ResourceType[];
}

/** What a render found: validated objects in apply order, or the problems that stop the sync. */
export interface RenderResult {
  readonly objects: ResolvedManifest[];
  readonly errors: SyncError[];
  /** Files read, relative to the root. */
  readonly files: string[];
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `err`'s message without the `file:line: ` prefix {@link ManifestError} adds. */
function bareMessage(err: ManifestError): string {
  const prefix = `${err.source}:${err.line}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

interface Walk {
  readonly root: string;
  readonly files: { readonly real: string; readonly rel: string }[];
  readonly errors: SyncError[];
  readonly visited: Set<string>;
}

/** Resolves a symlink; records an error and returns undefined when it dangles or leaves the root. */
async function followLink(walk: Walk, path: string, rel: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    walk.errors.push({ file: rel, line: 0, message: 'symlink target does not exist' });
    return undefined;
  }
  if (!inside(walk.root, target)) {
    walk.errors.push({ file: rel, line: 0, message: 'symlink points outside the repository; refused' });
    return undefined;
  }
  return target;
}

async function walkDir(walk: Walk, dir: string, relDir: string): Promise<void> {
  if (walk.visited.has(dir)) return;
  walk.visited.add(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
    let real = path;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const target = await followLink(walk, path, rel);
      if (target === undefined) continue;
      const info = await stat(target);
      real = target;
      isDir = info.isDirectory();
      isFile = info.isFile();
    }
    if (isDir) await walkDir(walk, real, rel);
    else if (isFile && EXTENSIONS.has(extname(e.name))) {
      if (walk.files.length >= MAX_FILES) {
        walk.errors.push({ file: rel, line: 0, message: `more than ${MAX_FILES} manifest files; refused` });
        return;
      }
      walk.files.push({ real, rel });
    }
  }
}

/** The real directory `path` names inside `root`, or an error saying why it is refused. */
async function startDir(root: string, path: string): Promise<{ dir: string; rel: string } | SyncError> {
  const problem = repoPathProblem(path);
  if (problem !== undefined) return { file: path, line: 0, message: `path ${problem}` };
  const joined = resolve(root, path);
  const rel = relative(root, joined).split(sep).join('/');
  let dir: string;
  try {
    dir = await realpath(joined);
  } catch {
    return { file: rel || '.', line: 0, message: 'path does not exist in the repository' };
  }
  if (!inside(root, dir)) return { file: rel, line: 0, message: 'path resolves (through a symlink) outside the repository; refused' };
  if (!(await lstat(dir)).isDirectory()) return { file: rel, line: 0, message: 'path is not a directory' };
  return { dir, rel };
}

/** Reads, parses and validates the manifests under `options.path`; see the module comment. */
export async function renderTree(options: RenderOptions): Promise<RenderResult> {
  const root = await realpath(options.root);
  const start = await startDir(root, options.path);
  if ('message' in start) return { objects: [], errors: [start], files: [] };
  const walk: Walk = { root, files: [], errors: [], visited: new Set() };
  await walkDir(walk, start.dir, start.rel);
  const docs: ManifestDocument[] = [];
  for (const f of walk.files) {
    try {
      const info = await stat(f.real);
      if (info.size > MAX_FILE_BYTES) throw new ManifestError(f.rel, 1, `file is larger than ${MAX_FILE_BYTES} bytes`);
      docs.push(...parseManifests(await readFile(f.real, 'utf8'), f.rel));
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      walk.errors.push({ file: err.source, line: err.line, message: bareMessage(err) });
    }
  }
  const resolved = resolveManifests(docs, { types: options.types, defaultNamespace: options.defaultNamespace });
  const errors = [...walk.errors, ...resolved.errors.map((e) => ({ file: e.source, line: e.line, message: bareMessage(e) }))];
  return { objects: resolved.objects, errors, files: walk.files.map((f) => f.rel) };
}
