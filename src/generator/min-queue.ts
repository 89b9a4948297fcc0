/** A small binary min-heap of items ordered by `(at, seq)`; `seq` keeps equal times in insertion order. */
export class MinQueue<T> {
  private items: Array<{ at: number; seq: number; value: T }> = [];
  private seq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest `at`, or `Infinity` when empty. */
  peekAt(): number {
    return this.items[0]?.at ?? Infinity;
  }

  /** Adds an item. */
  push(at: number, value: T): void {
    const items = this.items;
    const node = { at, seq: this.seq++, value };
    let i = items.length;
    items.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (parent.at < at || (parent.at === at && parent.seq < node.seq)) break;
      items[i] = parent;
      i = p;
    }
    items[i] = node;
  }

  /** Removes and returns the smallest item. */
  pop(): { at: number; value: T } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      const lc = items[l]!;
      if (r < n) {
        const rc = items[r]!;
        if (rc.at < lc.at || (rc.at === lc.at && rc.seq < lc.seq)) c = r;
      }
      const child = items[c]!;
      if (last.at < child.at || (last.at === child.at && last.seq < child.seq)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }
}

/**
 * The simulation's schedule: a binary min-heap of (time, slot) pairs in typed arrays, so a
 * million scheduled records cost ~12 MB. Ties on time pop the smaller slot first.
 */
export class ScheduleHeap {
  private times: Float64Array;
  private slots: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(1, capacity));
    this.slots = new Int32Array(Math.max(1, capacity));
  }

  /** Number of scheduled slots. */
  get size(): number {
    return this.n;
  }

  /** Time of the next slot (Infinity when empty). */
  peekTime(): number {
    return this.n > 0 ? (this.times[0] as number) : Infinity;
  }

  /** Slot of the next item. */
  peekSlot(): number {
    return this.slots[0] as number;
  }

  private less(t1: number, s1: number, t2: number, s2: number): boolean {
    return t1 < t2 || (t1 === t2 && s1 < s2);
  }

  /** Schedules `slot` at `time`. */
  push(time: number, slot: number): void {
    if (this.n === this.times.length) {
      const t = new Float64Array(this.n * 2);
      t.set(this.times);
      const s = new Int32Array(this.n * 2);
      s.set(this.slots);
      this.times = t;
      this.slots = s;
    }
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.times[p] as number;
      const ps = this.slots[p] as number;
      if (!this.less(time, slot, pt, ps)) break;
      this.times[i] = pt;
      this.slots[i] = ps;
      i = p;
    }
    this.times[i] = time;
    this.slots[i] = slot;
  }

  /** Removes the next item (read it first with {@link peekTime}/{@link peekSlot}). */
  pop(): void {
    const n = --this.n;
    if (n <= 0) return;
    const lt = this.times[n] as number;
    const ls = this.slots[n] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      const r = l + 1;
      if (r < n && this.less(this.times[r] as number, this.slots[r] as number, this.times[l] as number, this.slots[l] as number)) c = r;
      const ct = this.times[c] as number;
      const cs = this.slots[c] as number;
      if (!this.less(ct, cs, lt, ls)) break;
      this.times[i] = ct;
      this.slots[i] = cs;
      i = c;
    }
    this.times[i] = lt;
    this.slots[i] = ls;
  }
}
