/** A growable array of 32-byte hashes stored in large chunks (no per-hash allocation). */
export class HashArray {
  private static readonly PER_CHUNK = 1 << 16;
  private readonly chunks: Buffer[] = [];
  length = 0;

  /** The hash at `i` (a view, not a copy). */
  get(i: number): Buffer {
    if (i < 0 || i >= this.length) throw new RangeError(`hash ${i} of ${this.length}`);
    const chunk = this.chunks[Math.floor(i / HashArray.PER_CHUNK)]!;
    const at = (i % HashArray.PER_CHUNK) * 32;
    return chunk.subarray(at, at + 32);
  }

  /** Appends one hash. */
  push(hash: Uint8Array): void {
    const c = Math.floor(this.length / HashArray.PER_CHUNK);
    if (c === this.chunks.length) this.chunks.push(Buffer.allocUnsafe(HashArray.PER_CHUNK * 32));
    this.chunks[c]!.set(hash.subarray(0, 32), (this.length % HashArray.PER_CHUNK) * 32);
    this.length++;
  }

  /** Appends every 32-byte hash in `bytes`. */
  pushAll(bytes: Uint8Array): void {
    for (let at = 0; at + 32 <= bytes.length; at += 32) this.push(bytes.subarray(at, at + 32));
  }

  /** Drops hashes past `length`. */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }
}
