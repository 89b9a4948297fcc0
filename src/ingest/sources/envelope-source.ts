import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Envelope } from '../../envelope.js';
import type { DecodeContext, DecodeResult, Source, SourceDelivery } from '../source.js';
import { checkBody, checkContext, decodeUtf8, emptyResult, parseJsonItems, reject, resolveLimits, toIsoTime, type BodyLimits } from './source-helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Options of {@link createEnvelopeSource}. */
export interface EnvelopeSourceOptions extends BodyLimits {
  /**
   * `match` (default): an envelope whose `tenant_id` differs from the delivery's tenant is rejected
   * (`TENANT_MISMATCH`); `any`: envelopes may name any tenant (a trusted internal sender).
   */
  tenants?: 'match' | 'any';
}

const KEY = { type: 'object', maxProperties: 16, propertyNames: { minLength: 1, maxLength: 128 }, additionalProperties: { type: ['string', 'number'], maxLength: 1024 } } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 1024 } as const;

/** The JSON Schema of a Verity envelope as senders submit it to `POST /v1/events` (DESIGN.md section 3). */
export const ENVELOPE_JSON_SCHEMA = {
  $id: 'https://verity.dev/schemas/envelope.json',
  type: 'object',
  additionalProperties: false,
  required: ['event_id', 'tenant_id', 'entity', 'entity_key', 'op', 'event_time', 'source', 'payload'],
  properties: {
    event_id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s]+$' },
    tenant_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' },
    entity: { type: 'string', maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' },
    entity_key: KEY,
    op: { enum: ['upsert', 'delete', 'merge', 'snapshot', 'truncate'] },
    merged_into: { ...KEY, minProperties: 1 },
    event_time: { type: 'string', format: 'date-time' },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['system', 'connector', 'position'],
      properties: { system: { type: 'string', minLength: 1, maxLength: 64 }, connector: TEXT, position: { type: 'string', maxLength: 1024 } },
    },
    payload: { type: 'object' },
    changed_fields: { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 256 } },
    consent: { type: 'array', maxItems: 64, items: { type: 'string', minLength: 1, maxLength: 128 } },
    before: { type: ['object', 'null'] },
    // Set by the gate and the lake; accepted (an export can be re-ingested) and then dropped.
    ingest_time: { type: 'string' },
    ingest_seq: { type: 'integer' },
    schema_version: { type: 'string' },
  },
  allOf: [
    { if: { properties: { op: { const: 'merge' } } }, then: { required: ['merged_into'] } },
    { if: { properties: { op: { not: { const: 'truncate' } } } }, then: { properties: { entity_key: { type: 'object', minProperties: 1 } } } },
  ],
} as const;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile(ENVELOPE_JSON_SCHEMA);
  }
  return compiled;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(envelope)'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` ("${String(e.params.additionalProperty)}")` : ''}`)
    .join('; ');
}

/**
 * The native source for `POST /v1/events`: Verity envelopes sent as one JSON object, a JSON array
 * or NDJSON. Each envelope is validated strictly against {@link ENVELOPE_JSON_SCHEMA}; the sender
 * supplies `event_id` (replays must reuse it). `event_time` is normalised to UTC with milliseconds;
 * `ingest_time`, `ingest_seq` and `schema_version` are dropped (the lake and the gate set them).
 * @example
 * const source = createEnvelopeSource();
 * const { envelopes, rejected } = source.decode({ body, headers: {} }, { tenant_id: 't01', now: new Date() });
 */
export function createEnvelopeSource(options: EnvelopeSourceOptions = {}): Source {
  const limits = resolveLimits(options);
  const where = 'Envelope batch';

  function decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult {
    checkContext(context, where);
    const text = decodeUtf8(checkBody(delivery, limits, where), where);
    const validate = validator();
    const result = emptyResult();
    for (const item of parseJsonItems(text, limits, where)) {
      if ('error' in item) {
        result.rejected.push(item.error);
        continue;
      }
      if (!validate(item.value)) {
        result.rejected.push(reject(item.index, item.raw, 'INVALID_ENVELOPE', `Item ${item.index}: ${describeErrors(validate.errors)}.`));
        continue;
      }
      const env = item.value as Envelope;
      if (options.tenants !== 'any' && env.tenant_id !== context.tenant_id) {
        result.rejected.push(reject(item.index, item.raw, 'TENANT_MISMATCH', `Item ${item.index} is for tenant "${env.tenant_id}" but the request is for "${context.tenant_id}".`));
        continue;
      }
      const eventTime = toIsoTime(env.event_time);
      if (!eventTime) {
        result.rejected.push(reject(item.index, item.raw, 'INVALID_ENVELOPE', `Item ${item.index}: /event_time is out of range.`));
        continue;
      }
      // The parsed object is ours: adjust it in place (object rest/spread costs more than the validation).
      env.event_time = eventTime;
      if ('ingest_time' in env) delete env.ingest_time;
      if ('ingest_seq' in env) delete env.ingest_seq;
      if ('schema_version' in env) delete env.schema_version;
      result.envelopes.push(env);
    }
    return result;
  }

  return {
    name: 'verity',
    capabilities: { signatures: false, batches: true, deletes: true, merges: true, resyncSignals: false },
    decode,
  };
}
