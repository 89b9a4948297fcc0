/**
 * Kafka Connect / Debezium logical types, decoded from the wire form a converter with
 * `schemas.enable=true` sends (the `{schema, payload}` envelope) into the values a contract
 * expects. Without a schema the wire form cannot be told apart from a plain number, so it is kept.
 * See the Debezium connector docs, "Data type mappings" (temporal values, decimals, JSON).
 */

/** One field of a Kafka Connect struct schema. */
interface ConnectField {
  field?: unknown;
  type?: unknown;
  name?: unknown;
  parameters?: unknown;
  fields?: unknown;
}

const DAY_MS = 86_400_000;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ISO 8601 UTC of epoch microseconds, keeping the sub-millisecond digits when there are any. */
function isoOfMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = Number(micros - ms * 1000n);
  const base = new Date(Number(ms)).toISOString();
  return sub === 0 ? base : `${base.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** `HH:MM:SS.ffffff` of microseconds past midnight. */
function timeOfMicros(micros: bigint): string {
  const day = 86_400_000_000n;
  const t = ((micros % day) + day) % day;
  const s = t / 1_000_000n;
  const frac = t % 1_000_000n;
  const hh = String(s / 3600n).padStart(2, '0');
  const mm = String((s / 60n) % 60n).padStart(2, '0');
  const ss = String(s % 60n).padStart(2, '0');
  return frac === 0n ? `${hh}:${mm}:${ss}` : `${hh}:${mm}:${ss}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

/** The big-endian two's complement integer of base64 bytes (Kafka Connect's Decimal encoding). */
function unscaledOf(base64: string): bigint | undefined {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length > 64) return undefined;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/**
 * A decimal as a number when it round-trips exactly (up to 15 significant digits, what CRM amounts
 * need), else as its exact decimal string, so nothing is silently rounded.
 */
function decimalOf(unscaled: bigint, scale: number): number | string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  let text: string;
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else text = digits + '0'.repeat(-scale);
  if (negative) text = `-${text}`;
  const significant = digits.replace(/^0+/, '').length;
  return significant <= 15 ? Number(text) : text;
}

const toBig = (v: unknown): bigint | undefined => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'string' && /^-?\d{1,30}$/.test(v) ? BigInt(v) : undefined);

/** Temporal logical types: the text each one's wire integer (days, ms, µs or ns) decodes to. */
const TEMPORAL: Partial<Record<string, (n: bigint) => string>> = {
  'io.debezium.time.Date': (days) => new Date(Number(days) * DAY_MS).toISOString().slice(0, 10),
  'org.apache.kafka.connect.data.Date': (days) => new Date(Number(days) * DAY_MS).toISOString().slice(0, 10),
  'io.debezium.time.Timestamp': (ms) => isoOfMicros(ms * 1000n),
  'org.apache.kafka.connect.data.Timestamp': (ms) => isoOfMicros(ms * 1000n),
  'io.debezium.time.MicroTimestamp': (us) => isoOfMicros(us),
  'io.debezium.time.NanoTimestamp': (ns) => isoOfMicros(ns / 1000n),
  'io.debezium.time.Time': (ms) => timeOfMicros(ms * 1000n),
  'org.apache.kafka.connect.data.Time': (ms) => timeOfMicros(ms * 1000n),
  'io.debezium.time.MicroTime': (us) => timeOfMicros(us),
  'io.debezium.time.NanoTime': (ns) => timeOfMicros(ns / 1000n),
};

/** Decodes one value of a logical type; returns the value unchanged when it is not in the expected wire form. */
function decodeValue(name: string, field: ConnectField, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const temporal = TEMPORAL[name];
  if (temporal) {
    const n = toBig(value);
    return n === undefined ? value : temporal(n);
  }
  switch (name) {
    case 'org.apache.kafka.connect.data.Decimal': {
      const params = isRecord(field.parameters) ? field.parameters : {};
      const scale = Number(params.scale ?? 0);
      if (typeof value !== 'string' || !Number.isInteger(scale)) return value;
      const unscaled = unscaledOf(value);
      return unscaled === undefined ? value : decimalOf(unscaled, scale);
    }
    case 'io.debezium.data.VariableScaleDecimal': {
      if (!isRecord(value) || typeof value.value !== 'string' || typeof value.scale !== 'number') return value;
      const unscaled = unscaledOf(value.value);
      return unscaled === undefined ? value : decimalOf(unscaled, value.scale);
    }
    default:
      return value;
  }
}

/** The logical types of a row struct's fields: field name → its schema, for fields that have a logical type. */
export function logicalFieldsOf(rowSchema: unknown): Map<string, ConnectField & { name: string }> | undefined {
  if (!isRecord(rowSchema) || !Array.isArray(rowSchema.fields)) return undefined;
  const out = new Map<string, ConnectField & { name: string }>();
  for (const f of rowSchema.fields as ConnectField[]) {
    if (isRecord(f) && typeof f.field === 'string' && typeof f.name === 'string') out.set(f.field, f as unknown as ConnectField & { name: string });
  }
  return out.size ? out : undefined;
}

/**
 * Decodes the logical-type fields of the `before` and `after` rows of a `{schema, payload}` event
 * in place of their wire form (a copy; the input is not changed).
 * @example decodeLogicalTypes(event.schema, event.payload) // after.close_date 20514 → "2026-03-02"
 */
export function decodeLogicalTypes(schema: unknown, payload: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(schema) || !Array.isArray(schema.fields)) return payload;
  let out = payload;
  for (const part of schema.fields as ConnectField[]) {
    if (!isRecord(part) || (part.field !== 'before' && part.field !== 'after')) continue;
    const row = payload[part.field];
    const logical = logicalFieldsOf(part);
    if (!isRecord(row) || !logical) continue;
    const decoded: Record<string, unknown> = { ...row };
    for (const [name, field] of logical) if (name in decoded) decoded[name] = decodeValue(field.name, field, decoded[name]);
    if (out === payload) out = { ...payload };
    out[part.field] = decoded;
  }
  return out;
}
