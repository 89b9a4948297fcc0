/**
 * A string-keyed map split over 64 shards. A V8 Map or Set holds at most 2^24 (16.7 million)
 * entries and throws beyond; the lake's dedupe index and key maps must hold more for a big tenant.
 * The shard is chosen from the key's last two characters (event ids end in hex digits or
 * counters, so the spread is even) without hashing the whole key twice.
 */
export class ShardedMap<V> {
  private readonly shards: Array<Map<string, V>> = Array.from({ length: 64 }, () => new Map<string, V>());
  private count = 0;

  private shard(key: string): Map<string, V> {
    const n = key.length;
    return this.shards[((n > 0 ? key.charCodeAt(n - 1) : 0) * 31 + (n > 1 ? key.charCodeAt(n - 2) : 0)) & 63]!;
  }

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    return this.shard(key).has(key);
  }

  get(key: string): V | undefined {
    return this.shard(key).get(key);
  }

  /** Sets the value; returns true when the key is new. */
  set(key: string, value: V): boolean {
    const shard = this.shard(key);
    const before = shard.size;
    shard.set(key, value);
    if (shard.size === before) return false;
    this.count++;
    return true;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const shard of this.shards) yield* shard;
  }

  *keys(): IterableIterator<string> {
    for (const shard of this.shards) yield* shard.keys();
  }
}
