import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Read size for streaming hashes: large enough that per-read overhead vanishes next to SHA-256. */
const CHUNK = 1 << 20;

/**
 * Streams a file through SHA-256 and returns the hex digest and size. Two 1 MiB buffers (cache-sized) alternate:
 * the next read (on libuv's thread pool) runs while the current chunk is hashed, so disk or
 * page-cache copies overlap the hashing. Memory stays at 2 MiB whatever the file size.
 * @example const { sha256, bytes } = await hashFile('data/part-0000.parquet');
 */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let position = 0;
    let current = 0;
    let pending = handle.read(buffers[0]!, 0, CHUNK, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const buf = buffers[current]!;
      position += bytesRead;
      current ^= 1;
      pending = handle.read(buffers[current]!, 0, CHUNK, position);
      hash.update(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    }
    return { sha256: hash.digest('hex'), bytes: position };
  } finally {
    await handle.close();
  }
}
