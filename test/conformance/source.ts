import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/envelope.js';
import { isVerityError, type ErrorCode } from '../../src/errors.js';
import type { DecodeContext, DecodeResult, Source, SourceDelivery } from '../../src/ingest/source.js';

/**
 * The shared conformance suite every {@link Source} runs: envelope shape, deterministic event ids,
 * bad items rejected-not-dropped, garbage bodies → MALFORMED_INPUT, hostile input never crashes, and
 * (when `capabilities.signatures`) signature checks.
 */

/** One sample delivery and what it must decode to. */
export interface SourceSample {
  title: string;
  delivery: SourceDelivery;
  /** Envelopes expected, in order (each matched with `toMatchObject`); omit to only check the shape. */
  expected?: Array<Partial<Envelope> & Record<string, unknown>>;
  /** Exact counts, when known. */
  envelopes?: number;
  rejected?: number;
  signals?: number;
}

/** What the suite needs to know about one source. */
export interface SourceConformanceConfig {
  name: string;
  create: () => Source;
  /** The decode context (fixed clock, tenant, secret). */
  context: DecodeContext;
  /** Deliveries that decode to at least one envelope each. */
  samples: SourceSample[];
  /** A delivery with good and bad items: the bad ones must come back as rejected items, the good ones as envelopes. */
  mixed?: { delivery: SourceDelivery; goodItems: number; badItems: number };
  /** Bodies that are not parseable at all (default: a JSON-ish list; override for non-JSON formats). */
  garbageBodies?: Array<Buffer | string>;
  /** Builds a body whose one item carries `huge` as a field value (for the 10 MB string case). */
  bodyWithValue?: (huge: string) => string;
  /** Signs a delivery with `secret` at `now` (required when the source declares signatures). */
  sign?: (delivery: SourceDelivery, secret: string, now: Date) => SourceDelivery;
  /** A valid secret different from the context's (default: the secret + "-other"). */
  otherSecret?: string;
  /** How long after signing a signature is stale (ms); default 10 minutes. */
  staleAfterMs?: number;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OPS = ['upsert', 'delete', 'merge', 'snapshot', 'truncate'];

/** Asserts the invariants every envelope has, whatever its source. */
export function expectValidEnvelope(e: Envelope, tenant: string): void {
  expect(typeof e.event_id === 'string' && e.event_id.length > 0, `event_id of ${JSON.stringify(e).slice(0, 200)}`).toBe(true);
  expect(e.tenant_id).toBe(tenant);
  expect(e.entity).toMatch(/^[a-z][a-z0-9_]*$/);
  expect(OPS).toContain(e.op);
  expect(e.event_time).toMatch(ISO_MS);
  expect(e.entity_key !== null && typeof e.entity_key === 'object').toBe(true);
  if (e.op !== 'truncate') expect(Object.keys(e.entity_key).length).toBeGreaterThan(0);
  for (const v of Object.values(e.entity_key)) expect(['string', 'number']).toContain(typeof v);
  if (e.op === 'merge') expect(e.merged_into && Object.keys(e.merged_into).length > 0).toBe(true);
  expect(typeof e.source.system).toBe('string');
  expect(typeof e.source.connector).toBe('string');
  expect(typeof e.source.position).toBe('string');
  expect(e.payload !== null && typeof e.payload === 'object' && !Array.isArray(e.payload)).toBe(true);
  if (e.changed_fields) for (const f of e.changed_fields) expect(typeof f).toBe('string');
  expect(e.ingest_seq).toBeUndefined();
  expect(e.ingest_time).toBeUndefined();
}

function expectThrowsCode(fn: () => unknown, codes: ErrorCode[]): void {
  try {
    fn();
  } catch (error) {
    expect(isVerityError(error), `expected a VerityError, got ${String(error)}`).toBe(true);
    expect(codes).toContain((error as { code: string }).code);
    return;
  }
  throw new Error(`expected a VerityError with code ${codes.join('|')}, but nothing was thrown`);
}

/** Runs fn; passes when it returns a result or throws a VerityError, fails on any other throw. */
function neverCrashes(fn: () => DecodeResult): DecodeResult | undefined {
  try {
    return fn();
  } catch (error) {
    expect(isVerityError(error), `expected a VerityError or a result, got ${String(error)}`).toBe(true);
    return undefined;
  }
}

function withBody(d: SourceDelivery, body: Buffer | string): SourceDelivery {
  return { ...d, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
}

/** Registers the conformance tests for one source. */
export function describeSourceConformance(config: SourceConformanceConfig): void {
  const { context } = config;
  describe(`Source conformance: ${config.name}`, () => {
    it('has a stable name and boolean capabilities', () => {
      const s = config.create();
      expect(s.name).toMatch(/^[a-z][a-z0-9_-]*$/);
      for (const k of ['signatures', 'batches', 'deletes', 'merges', 'resyncSignals'] as const) expect(typeof s.capabilities[k]).toBe('boolean');
      expect(typeof s.verify === 'function').toBe(s.capabilities.signatures);
      expect(typeof s.decodeStream === 'function').toBe(s.capabilities.streaming === true);
    });

    for (const sample of config.samples) {
      it(`decodes ${sample.title} into valid envelopes`, () => {
        const r = config.create().decode(sample.delivery, context);
        expect(r.envelopes.length + r.signals.length).toBeGreaterThan(0);
        for (const e of r.envelopes) expectValidEnvelope(e, context.tenant_id);
        if (sample.envelopes !== undefined) expect(r.envelopes).toHaveLength(sample.envelopes);
        if (sample.rejected !== undefined) expect(r.rejected).toHaveLength(sample.rejected);
        if (sample.signals !== undefined) expect(r.signals).toHaveLength(sample.signals);
        if (sample.expected) {
          expect(r.envelopes).toHaveLength(sample.expected.length);
          sample.expected.forEach((exp, i) => expect(r.envelopes[i]).toMatchObject(exp));
        }
        const ids = r.envelopes.map((e) => e.event_id);
        expect(new Set(ids).size, 'event ids are unique within one delivery').toBe(ids.length);
      });

      it(`gives the same event ids when ${sample.title} is replayed`, () => {
        const a = config.create().decode(sample.delivery, context);
        const copy = withBody(sample.delivery, Buffer.from(sample.delivery.body));
        const b = config.create().decode(copy, { ...context, now: new Date(context.now.getTime() + 86_400_000) });
        expect(b.envelopes.map((e) => e.event_id)).toEqual(a.envelopes.map((e) => e.event_id));
        expect(b.envelopes).toEqual(a.envelopes);
      });
    }

    it('never puts an envelope in another tenant', () => {
      const sample = config.samples[0]!;
      const a = config.create().decode(sample.delivery, { ...context, tenant_id: 'other-tenant' });
      for (const e of a.envelopes) expect(e.tenant_id).toBe('other-tenant');
    });

    it('refuses to decode without a tenant', () => {
      expectThrowsCode(() => config.create().decode(config.samples[0]!.delivery, { ...context, tenant_id: '' }), ['INVALID_ARGUMENT']);
    });

    if (config.mixed) {
      const mixed = config.mixed;
      it('rejects bad items with a code and their raw text, and keeps the good ones', () => {
        const r = config.create().decode(mixed.delivery, context);
        expect(r.envelopes.length).toBeGreaterThanOrEqual(mixed.goodItems);
        expect(r.rejected).toHaveLength(mixed.badItems);
        for (const rej of r.rejected) {
          expect(rej.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
          expect(rej.message.length).toBeGreaterThan(0);
          expect(typeof rej.raw).toBe('string');
          expect(Number.isInteger(rej.index)).toBe(true);
        }
      });
    }

    const garbage = config.garbageBodies ?? ['', '   ', '{', 'not json at all', '[{"a":1},', '{"a":"unterminated', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])];
    garbage.forEach((body, i) => {
      it(`throws MALFORMED_INPUT for garbage body #${i + 1}`, () => {
        expectThrowsCode(() => config.create().decode(withBody(config.samples[0]!.delivery, body), context), ['MALFORMED_INPUT']);
      });
    });

    it('throws MALFORMED_INPUT for a truncated sample body', () => {
      const body = config.samples[0]!.delivery.body;
      const cut = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      const r = neverCrashes(() => config.create().decode(withBody(config.samples[0]!.delivery, cut), context));
      // A truncated NDJSON/CSV body may still hold complete leading items; what it must never do is
      // produce more envelopes than the whole body.
      if (r) expect(r.envelopes.length).toBeLessThanOrEqual(config.create().decode(config.samples[0]!.delivery, context).envelopes.length);
    });

    it('survives hostile input: deep nesting, wrong types, huge strings, huge bodies', () => {
      const s = config.create();
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      for (const body of [deep, '{"a":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001), 'null', 'true', '42', '"text"', '[1,2,3]', '[null]', '{}', '[[]]', '{"__proto__":{"x":1}}'])
        neverCrashes(() => s.decode(withBody(config.samples[0]!.delivery, body), context));
      const huge = 'x'.repeat(10 * 1024 * 1024);
      if (config.bodyWithValue) {
        const r = neverCrashes(() => s.decode(withBody(config.samples[0]!.delivery, config.bodyWithValue!(huge)), context));
        if (r) {
          expect(r.envelopes.length).toBe(0);
          expect(r.rejected.length).toBeGreaterThan(0);
        }
      }
      expectThrowsCode(() => s.decode(withBody(config.samples[0]!.delivery, Buffer.alloc(20 * 1024 * 1024, 0x20)), context), ['PAYLOAD_TOO_LARGE']);
    });

    it('never crashes on 300 seeded mutations of its samples (truncations, byte flips, splices)', () => {
      let seed = 0x9e3779b9;
      const rand = (n: number) => {
        seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
        return seed % n;
      };
      const s = config.create();
      const noise = [0x00, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x0a, 0xff, 0xc3, 0x5c];
      for (let i = 0; i < 300; i++) {
        const sample = config.samples[i % config.samples.length]!;
        const body = Buffer.from(sample.delivery.body);
        let mutated: Buffer;
        switch (i % 3) {
          case 0:
            mutated = body.subarray(0, rand(body.length + 1));
            break;
          case 1:
            mutated = Buffer.from(body);
            for (let k = 0; k <= rand(4); k++) mutated[rand(mutated.length)] = noise[rand(noise.length)]!;
            break;
          default: {
            const at = rand(body.length + 1);
            mutated = Buffer.concat([body.subarray(0, at), body.subarray(rand(body.length + 1))]);
          }
        }
        const r = neverCrashes(() => s.decode(withBody(sample.delivery, mutated), context));
        if (r) for (const e of r.envelopes) expectValidEnvelope(e, context.tenant_id);
      }
    });

    if (config.sign) {
      const sign = config.sign;
      const secret = context.secret ?? 'conformance-secret';
      const ctx = { ...context, secret };
      describe('signatures', () => {
        const signed = () => sign(config.samples[0]!.delivery, secret, context.now);
        it('accepts a correctly signed delivery', () => {
          expect(() => config.create().verify!(signed(), ctx)).not.toThrow();
        });
        it('rejects a delivery whose body was altered', () => {
          const d = signed();
          const body = Buffer.from(d.body);
          const at = Math.floor(body.length / 2);
          body[at] = (body[at] ?? 0) ^ 0x01;
          expectThrowsCode(() => config.create().verify!({ ...d, body }, ctx), ['SIGNATURE_INVALID']);
        });
        it('rejects a delivery signed with another secret', () => {
          expectThrowsCode(() => config.create().verify!(sign(config.samples[0]!.delivery, config.otherSecret ?? `${secret}-other`, context.now), ctx), ['SIGNATURE_INVALID']);
        });
        it('rejects a delivery without signature headers', () => {
          expectThrowsCode(() => config.create().verify!({ ...signed(), headers: {} }, ctx), ['SIGNATURE_INVALID']);
        });
        it('rejects a stale signature', () => {
          const later = new Date(context.now.getTime() + (config.staleAfterMs ?? 10 * 60_000));
          expectThrowsCode(() => config.create().verify!(signed(), { ...ctx, now: later }), ['SIGNATURE_INVALID']);
        });
        it('rejects a signature from the future beyond the allowed skew', () => {
          const earlier = new Date(context.now.getTime() - 10 * 60_000);
          expectThrowsCode(() => config.create().verify!(signed(), { ...ctx, now: earlier }), ['SIGNATURE_INVALID']);
        });
      });
    }
  });
}
