import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Read size for streaming hashes: large enough that per-read overhead vanishes next to SHA-256. */
const CHUNK = 1 << 20;

/**
 * Streams a file through SHA-256 and returns the hex digest and size. Memory stays at one 1 MiB
 * buffer whatever the file size.
 * @example const { sha256, bytes } = await hashFile('data/part-0000.parquet');
 */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}
