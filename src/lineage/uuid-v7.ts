import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the CSPRNG in blocks: one `randomFillSync` per 409 UUIDs instead of one per UUID. */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function pooledRandom(): Buffer {
  if (poolAt + 10 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const out = POOL.subarray(poolAt, poolAt + 10);
  poolAt += 10;
  return out;
}

/** A UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, version 7, variant 10, random rest; sortable by time. */
export function uuidV7(now: number = Date.now(), random: Buffer = pooledRandom()): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(now, 0, 6);
  random.copy(b, 6, 0, 10);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
