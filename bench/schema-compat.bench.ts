// Compatibility check of two 200-property JSON Schemas (target < 50 ms). The new schema changes
// constraints, types, enums and required members, adds and removes properties, and nests objects,
// arrays and $refs. Peer in the same run: Ajv compiling the same two schemas (what any tool that
// processes them pays at least once).
// Usage: node --import tsx bench/schema-compat.bench.ts [--scale N]   (N multiplies the property count)
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { checkSchemaCompatibility } from '../src/contracts/compat/check-compatibility.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PROPS = Math.round(200 * arg('scale', 1));
const RUNS = 30;

function property(i: number, changed: boolean): Record<string, unknown> {
  switch (i % 6) {
    case 0:
      return { type: 'string', maxLength: changed ? 50 : 100, pattern: '^[a-z]+$' };
    case 1:
      return { type: changed ? 'number' : 'integer', minimum: 0, maximum: changed ? 200 : 100 };
    case 2:
      return { enum: changed ? ['a', 'b'] : ['a', 'b', 'c'] };
    case 3:
      return { type: 'array', items: { type: 'string', format: 'email' }, maxItems: changed ? 5 : 10 };
    case 4:
      return { type: 'object', properties: { x: { type: 'string' }, y: { $ref: '#/$defs/Point' } }, additionalProperties: !changed };
    default:
      return { anyOf: [{ type: 'string' }, { type: 'null' }, ...(changed ? [{ type: 'integer' }] : [])] };
  }
}

function schema(isNew: boolean): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < PROPS; i++) {
    if (isNew && i % 50 === 7) continue; // removed
    properties[`field_${i}`] = property(i, isNew && i % 3 === 0);
  }
  if (isNew) for (let i = 0; i < PROPS / 20; i++) properties[`added_${i}`] = { type: 'string' };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required: Object.keys(properties).filter((_, i) => i % (isNew ? 4 : 5) === 0),
    additionalProperties: false,
    $defs: { Point: { type: 'object', properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number' }, next: { $ref: '#/$defs/Point' } } } },
  };
}

const oldSchema = schema(false);
const newSchema = schema(true);
const times: number[] = [];
let result = checkSchemaCompatibility(oldSchema, newSchema);
// Warm-up (JIT), then measure.
for (let i = 0; i < 5; i++) checkSchemaCompatibility(oldSchema, newSchema, { level: 'FULL' });
for (let i = 0; i < RUNS; i++) {
  const t = process.hrtime.bigint();
  result = checkSchemaCompatibility(oldSchema, newSchema, { level: 'FULL' });
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
const peer: number[] = [];
for (let i = 0; i < 10; i++) {
  const t = process.hrtime.bigint();
  const ajv = new Ajv2020({ strict: false, logger: false });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  ajv.compile(oldSchema);
  ajv.compile(newSchema);
  peer.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
peer.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'schema-compat',
    properties: PROPS,
    runs: RUNS,
    changes: result.changes.length,
    breaking_full: result.breaking.length,
    median_ms: Number(times[Math.floor(RUNS / 2)]!.toFixed(2)),
    p95_ms: Number(times[Math.floor(RUNS * 0.95)]!.toFixed(2)),
    target_ms: 50,
    peer_ajv_compile_both_median_ms: Number(peer[5]!.toFixed(2)),
  }),
);
