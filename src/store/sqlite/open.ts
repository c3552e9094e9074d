/**
 * `sqlite://PATH` URLs: `sqlite:///abs/path/state.db` (absolute), `sqlite://./rel/state.db` or
 * `sqlite://rel/state.db` (relative to the working directory), `sqlite://:memory:` (a private,
 * non-durable database, for benchmarks).
 */
import { resolve } from 'node:path';
import { BadRequestError } from '../../errors/index.js';
import type { BackendOptions } from '../types.js';
import { SqliteBackend } from './backend.js';

/** The file path a `sqlite://` URL names (absolute, or `:memory:`). Throws {@link BadRequestError} if none. */
export function sqlitePathOf(url: string): string {
  const match = /^sqlite:\/\/(.*)$/i.exec(url);
  const raw = match?.[1] ?? '';
  const path = raw.split(/[?#]/, 1)[0] ?? '';
  if (path === '' || path === '/') {
    throw new BadRequestError(`store URL ${JSON.stringify(url)} names no file; use sqlite:///abs/path/state.db or sqlite://./rel/state.db`);
  }
  return path === ':memory:' ? path : resolve(path);
}

/** Opens the sqlite backend a URL names (the `sqlite` scheme's factory). */
export async function openSqliteBackend(url: string, options: BackendOptions): Promise<SqliteBackend> {
  return new SqliteBackend(sqlitePathOf(url), options);
}
