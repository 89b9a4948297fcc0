/** What a near cache reports (see {@link NearCache}). */
export interface NearCacheStats {
  /** Reads are being answered from the cache (false while the invalidation channel is not armed). */
  enabled: boolean;
  rows: number;
  maxRows: number;
  hits: number;
  misses: number;
  /** Keys dropped because the backend said they changed (or this process wrote them). */
  invalidations: number;
  /** Times the whole cache was dropped: a lost connection, a stalled invalidation channel, a flush. */
  resets: number;
}

/**
 * The bookkeeping of a near cache: rows of a remote store kept in process memory (least recently
 * used evicted past `maxRows`) and dropped when the backend says they changed. A fetch is cached
 * only if nothing could have made its answer stale while it was in flight: the key was not
 * invalidated meanwhile and the cache was not reset or disabled (each reset starts a new epoch). A
 * row known to be absent is cached as `null`.
 */
export class NearCache<Row> {
  private readonly rows = new Map<string, Row | null>();
  private readonly inflight = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private epoch = 0;
  private on = false;
  private readonly counts = { hits: 0, misses: 0, invalidations: 0, resets: 0 };

  constructor(readonly maxRows: number) {}

  get enabled(): boolean {
    return this.on;
  }

  /** The cached row (`null`: known absent), or undefined on a miss or while disabled. */
  get(key: string): Row | null | undefined {
    if (!this.on) return undefined;
    const row = this.rows.get(key);
    if (row === undefined) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    // Least recently used first: a hit moves the key to the end.
    this.rows.delete(key);
    this.rows.set(key, row);
    return row;
  }

  /** Call before fetching `keys`; pass the ticket to {@link end} with the answers. */
  begin(keys: readonly string[]): number {
    for (const k of keys) this.inflight.set(k, (this.inflight.get(k) ?? 0) + 1);
    return this.on ? this.epoch : -1;
  }

  /** Caches the fetched rows that cannot be stale, and ends their fetch. */
  end(ticket: number, keys: readonly string[], rows: ReadonlyArray<Row | undefined> | undefined): void {
    const cacheable = rows !== undefined && this.on && ticket === this.epoch;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (cacheable && !this.dirty.has(k)) {
        this.rows.delete(k);
        this.rows.set(k, rows[i] ?? null);
        if (this.rows.size > this.maxRows) this.rows.delete(this.rows.keys().next().value!);
      }
      const n = (this.inflight.get(k) ?? 1) - 1;
      if (n > 0) this.inflight.set(k, n);
      else {
        this.inflight.delete(k);
        this.dirty.delete(k);
      }
    }
  }

  /** Drops `keys`; a fetch of one of them now in flight will not be cached. */
  invalidate(keys: Iterable<string>): void {
    for (const k of keys) {
      this.counts.invalidations++;
      this.rows.delete(k);
      if (this.inflight.has(k)) this.dirty.add(k);
    }
  }

  /** Drops everything; no fetch now in flight will be cached. */
  reset(): void {
    this.epoch++;
    this.counts.resets++;
    this.rows.clear();
    this.dirty.clear();
  }

  /** Stops answering from the cache (and drops it) until {@link enable}. */
  disable(): void {
    this.on = false;
    this.reset();
  }

  /** Starts answering from the cache: call once every later change will be reported. */
  enable(): void {
    this.on = true;
  }

  stats(): NearCacheStats {
    return { enabled: this.on, rows: this.rows.size, maxRows: this.maxRows, ...this.counts };
  }
}
