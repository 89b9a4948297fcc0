import { open, rename, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toVerityError } from '../errors.js';

/**
 * Small file-system helpers the lake needs for crash safety: fsync of a directory (so a created or
 * renamed entry survives a power loss) and atomic file replacement (write temp, fsync, rename,
 * fsync the directory).
 */

/** Fsyncs a directory so that entries created or renamed in it are durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR); the rename is then as durable as it gets.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` atomically with `data`: readers see the old or the new content, never a mix,
 * and after it resolves the new content survives a crash.
 */
export async function writeFileAtomic(path: string, data: string | Buffer | readonly string[]): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const handle = await open(tmp, 'w');
    try {
      if (typeof data === 'string' || Buffer.isBuffer(data)) await handle.writeFile(data);
      else {
        // Written in ~8 MiB pieces so no single string or buffer has to hold it all.
        let piece: string[] = [];
        let size = 0;
        for (const part of data) {
          piece.push(part);
          size += part.length;
          if (size >= 8 << 20) {
            await handle.write(piece.join(''));
            piece = [];
            size = 0;
          }
        }
        if (piece.length > 0) await handle.write(piece.join(''));
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await fsyncDirectory(dir);
  } catch (error) {
    await rm(tmp, { force: true });
    throw toVerityError(error);
  }
}

/** Creates a directory (and parents) and fsyncs its parent so the new entry is durable. */
export async function ensureDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
