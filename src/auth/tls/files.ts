import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `data` to `path` atomically (a temp file in the same directory, then rename) with `mode`, so a reader
 * — another process, or a restart after a crash mid-write — sees the old file or the new one, never half of one.
 * The mode is set on the temp file before it holds any secret bytes' final name.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    // writeFile's mode is filtered by the umask; private keys must be exactly `mode`.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
