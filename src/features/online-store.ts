/**
 * The online store contract (DESIGN.md section 7): the latest value per (tenant, feature view,
 * entity key, feature), under ONE write rule in every implementation: a cell is replaced only by a
 * write with a larger `(event_time, ingest_seq)`, compared as a pair, atomically. A late or replayed
 * write therefore never overwrites newer data, whatever order writes arrive in.
 */

/** One stored feature value with the version that wrote it. */
export interface OnlineCell {
  /** JSON-safe value (null allowed). */
  value: unknown;
  /** Version part 1: epoch milliseconds (the event time, or the as-of time of a windowed aggregate). */
  event_time: number;
  /** Version part 2: the lake position that produced the value (breaks event-time ties). */
  ingest_seq: number;
}

/** A write of some cells of one entity row. */
export interface OnlineWrite {
  tenant: string;
  /** The feature view name. */
  view: string;
  /** The canonical entity key (`canonicalKey`). */
  key: string;
  /** Feature name → cell. Names starting with `$` are reserved for Verity's own bookkeeping. */
  cells: Record<string, OnlineCell>;
}

/** What an online store can do. */
export interface OnlineStoreCapabilities {
  /** Values survive a restart of the process. */
  persistent: boolean;
  /** Several processes can share the store. */
  shared: boolean;
}

/** The result of a write: how many cells won the compare-and-set, how many were older and kept out. */
export interface OnlineWriteResult {
  applied: number;
  skipped: number;
}

/** An online feature store. Implementations: `createMemoryOnlineStore`, `createRedisOnlineStore`. */
export interface OnlineStore {
  readonly capabilities: OnlineStoreCapabilities;
  /** Applies each cell under the write rule (atomically per cell). */
  write(writes: readonly OnlineWrite[]): Promise<OnlineWriteResult>;
  /** Reads rows by key, in order; undefined for a key with no cells. `features` limits the cells returned. */
  read(tenant: string, view: string, keys: readonly string[], features?: readonly string[]): Promise<Array<Record<string, OnlineCell> | undefined>>;
  /** Removes every cell of a view (for rebuilds). */
  clearView(tenant: string, view: string): Promise<void>;
  /** Releases resources; safe to call twice. */
  close(): Promise<void>;
}

/** True when `next` wins over `current` under the write rule. */
export function isNewer(next: Pick<OnlineCell, 'event_time' | 'ingest_seq'>, current: Pick<OnlineCell, 'event_time' | 'ingest_seq'> | undefined): boolean {
  if (!current) return true;
  return next.event_time > current.event_time || (next.event_time === current.event_time && next.ingest_seq > current.ingest_seq);
}
