/**
 * A hash set of strings kept in typed arrays: the characters in a byte arena, open-addressing
 * slots of (hash, entry) pairs. It is what the lake's indexes (seen event ids, known record keys)
 * are built on: tens of millions of keys cost no heap object each, so the garbage collector
 * neither copies nor traces them, and a lookup touches one slot (plus the stored characters only
 * when the hash matches). Entries are numbered 0, 1, 2… in insertion order and never removed.
 *
 * Capacity: up to 2^30 entries per table (a V8 Map holds 2^24).
 */
export class StringTable {
  /** Slot pairs: [hash, entry + 1]; 0 in the second place means empty. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  /** Per entry: arena chunk, offset in it, length in characters (bit 31 set: stored as UTF-16). */
  private chunkOf: Uint16Array;
  private offsetOf: Uint32Array;
  private lengthOf: Uint32Array;
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer;
  private used = 0;
  /** Set by {@link intern}: whether the key it returned was new. */
  added = false;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.chunkOf = new Uint16Array(capacity / 2);
    this.offsetOf = new Uint32Array(capacity / 2);
    this.lengthOf = new Uint32Array(capacity / 2);
    this.chunk = Buffer.allocUnsafe(FIRST_CHUNK);
    this.chunks.push(this.chunk);
  }

  /** The number of keys. */
  get size(): number {
    return this.count;
  }

  /** The entry number of `key`, or -1 when absent. */
  find(key: string): number {
    const h = hashOf(key);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = slots[2 * i + 1]!;
      if (e === 0) return -1;
      if (slots[2 * i] === h && this.equals(e - 1, key)) return e - 1;
    }
  }

  /** True when `key` is in the table. */
  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Adds `key` when absent; returns true when it was new. */
  add(key: string): boolean {
    this.intern(key);
    return this.added;
  }

  /** The entry number of `key`, adding it when absent ({@link added} tells which). */
  intern(key: string): number {
    const h = hashOf(key);
    const slots = this.slots;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const e = slots[2 * i + 1]!;
      if (e === 0) break;
      if (slots[2 * i] === h && this.equals(e - 1, key)) {
        this.added = false;
        return e - 1;
      }
    }
    const entry = this.count;
    if (entry >= MAX_ENTRIES) throw new RangeError(`StringTable: more than ${MAX_ENTRIES} keys.`);
    this.store(entry, key, wide);
    slots[2 * i] = h;
    slots[2 * i + 1] = entry + 1;
    this.count = entry + 1;
    // At most half full: linear probing stays short.
    if (this.count * 2 > this.mask) this.grow();
    this.added = true;
    return entry;
  }

  /** The key of entry `entry`. */
  key(entry: number): string {
    const chunk = this.chunks[this.chunkOf[entry]!]!;
    const offset = this.offsetOf[entry]!;
    const length = this.lengthOf[entry]!;
    if (length & WIDE) return chunk.toString('utf16le', offset, offset + 2 * (length & LENGTH));
    return chunk.toString('latin1', offset, offset + length);
  }

  /** Every key, in insertion order. */
  *keys(): IterableIterator<string> {
    for (let e = 0; e < this.count; e++) yield this.key(e);
  }

  private equals(entry: number, key: string): boolean {
    const length = this.lengthOf[entry]!;
    if ((length & LENGTH) !== key.length) return false;
    const chunk = this.chunks[this.chunkOf[entry]!]!;
    const offset = this.offsetOf[entry]!;
    if (length & WIDE) {
      for (let k = 0; k < key.length; k++) if ((chunk[offset + 2 * k]! | (chunk[offset + 2 * k + 1]! << 8)) !== key.charCodeAt(k)) return false;
    } else {
      for (let k = 0; k < key.length; k++) if (chunk[offset + k] !== key.charCodeAt(k)) return false;
    }
    return true;
  }

  private store(entry: number, key: string, isWide: boolean): void {
    if (entry === this.offsetOf.length) {
      const n = entry * 2;
      this.chunkOf = grown(this.chunkOf, new Uint16Array(n));
      this.offsetOf = grown(this.offsetOf, new Uint32Array(n));
      this.lengthOf = grown(this.lengthOf, new Uint32Array(n));
    }
    const bytes = isWide ? 2 * key.length : key.length;
    if (this.used + bytes > this.chunk.length) {
      if (this.chunks.length >= MAX_CHUNKS) throw new RangeError('StringTable: the key arena is full.');
      this.chunk = Buffer.allocUnsafe(Math.max(bytes, Math.min(CHUNK, this.chunk.length * 4)));
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    const chunk = this.chunk;
    const offset = this.used;
    if (isWide) chunk.write(key, offset, 'utf16le');
    else if (key.length > 64) chunk.write(key, offset, 'latin1');
    else for (let k = 0; k < key.length; k++) chunk[offset + k] = key.charCodeAt(k);
    this.chunkOf[entry] = this.chunks.length - 1;
    this.offsetOf[entry] = offset;
    this.lengthOf[entry] = isWide ? key.length | WIDE : key.length;
    this.used = offset + bytes;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      const e = old[j + 1]!;
      if (e === 0) continue;
      const h = old[j]!;
      let i = h & mask;
      while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
      slots[2 * i] = h;
      slots[2 * i + 1] = e;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

const WIDE = 0x80000000;
const LENGTH = 0x7fffffff;
const MAX_ENTRIES = 2 ** 30;
const FIRST_CHUNK = 4096;
const CHUNK = 8 << 20;
const MAX_CHUNKS = 65536;

function grown<T extends Uint16Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Set by {@link hashOf}: whether the key has a character above U+00FF (it is stored as UTF-16). */
let wide = false;

/** FNV-1a over the UTF-16 code units, then the murmur3 finaliser (linear probing needs good low bits). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  let or = 0;
  for (let k = 0; k < key.length; k++) {
    const c = key.charCodeAt(k);
    or |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  wide = or > 0xff;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A {@link StringTable} with a value per key (the lake's record states): values live in chunked
 * arrays indexed by entry number, so a key costs no Map entry and no key object.
 */
export class StringMap<V> {
  readonly keys = new StringTable();
  private readonly values: V[][] = [];

  /** The number of keys. */
  get size(): number {
    return this.keys.size;
  }

  /** The entry number of `key`, or -1 (see {@link StringTable.find}). */
  find(key: string): number {
    return this.keys.find(key);
  }

  /** The entry number of `key`, adding it when absent (its value is then undefined until set). */
  intern(key: string): number {
    return this.keys.intern(key);
  }

  has(key: string): boolean {
    return this.keys.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const e = this.keys.find(key);
    return e < 0 ? undefined : this.valueAt(e);
  }

  /** Sets the value; returns true when the key is new. */
  set(key: string, value: V): boolean {
    const e = this.keys.intern(key);
    const added = this.keys.added;
    this.setAt(e, value);
    return added;
  }

  /** The value of entry `entry`. */
  valueAt(entry: number): V | undefined {
    return this.values[entry >>> VALUE_BITS]?.[entry & VALUE_MASK];
  }

  /** Sets the value of entry `entry` (from {@link intern}). */
  setAt(entry: number, value: V): void {
    const c = entry >>> VALUE_BITS;
    while (this.values.length <= c) this.values.push([]);
    const chunk = this.values[c]!;
    const i = entry & VALUE_MASK;
    // Entries are set in order (intern then setAt), so the chunk stays a packed array.
    while (chunk.length < i) chunk.push(undefined as V);
    chunk[i] = value;
  }

  /** Every [key, value], in insertion order. */
  *entries(): IterableIterator<[string, V]> {
    for (let e = 0; e < this.keys.size; e++) yield [this.keys.key(e), this.valueAt(e) as V];
  }
}

const VALUE_BITS = 16;
const VALUE_MASK = (1 << VALUE_BITS) - 1;
