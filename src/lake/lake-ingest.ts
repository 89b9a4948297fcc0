import type { AuditFact } from '../audit/audit-sink.js';
import { VerityError } from '../errors.js';
import type { Envelope } from '../envelope.js';
import { isTenantId, MAX_EVENT_ID, reasonsOf } from '../ingest/gate.js';
import type { LakeCore } from './lake-core.js';
import { FrameWriter, releaseFrameBuffer } from './frame-writer.js';
import { ingestBatchDatasets } from './lake-lineage.js';
import { quarantineId, type QuarantineLogRecord } from './log-records.js';
import type { IngestOptions, IngestReport, IngestResult } from './types.js';

/** The lake's ingest path: gate each event in order, frame the records, one durable append per call. */
export interface LakeIngest {
  ingest(envelopes: Envelope[], options?: IngestOptions): Promise<IngestReport>;
}

/** The largest batch one ingest call accepts (split bigger inputs). */
export const MAX_INGEST_BATCH = 1_000_000;

function textOf(input: unknown): string {
  try {
    const text = JSON.stringify(input);
    return typeof text === 'string' ? text : String(input);
  } catch {
    return String(input);
  }
}

/** What the synchronous part of an ingest call produced: framed records and the report. */
interface GatedBatch {
  framed: Buffer;
  records: number;
  firstSeq: number;
  lastSeq: number;
  time: string;
  source: string | null;
  report: IngestReport;
  /** The per-event outcomes, readable without building `report.results`. */
  results: CompactResults;
}

const SKIP_DEDUPE = Object.freeze({ skipDedupe: true });

/** The (tenant_id, event_id) the gate dedupes an input on, when both are well-formed; else undefined. */
function claimOf(input: unknown): { tenant_id: string; event_id: string } | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { tenant_id, event_id } = input as { tenant_id?: unknown; event_id?: unknown };
  if (typeof event_id !== 'string' || event_id.length === 0 || event_id.length > MAX_EVENT_ID) return undefined;
  if (typeof tenant_id !== 'string' || !isTenantId(tenant_id)) return undefined;
  return input as { tenant_id: string; event_id: string };
}

/**
 * The per-event results of a batch, kept as event ids and a status byte until `report.results`
 * is read (a lazy property that then becomes a plain array): a bulk ingest or a webhook that does
 * not ask for results allocates no object per event for them.
 */
class CompactResults {
  private readonly kinds: Uint8Array;
  /** The event id (accepted, duplicate) or the whole result (quarantined, rejected). */
  private readonly items: Array<string | IngestResult>;
  private readonly seqs: Float64Array;

  constructor(n: number) {
    this.kinds = new Uint8Array(n);
    this.items = new Array<string | IngestResult>(n);
    this.seqs = new Float64Array(n);
  }

  accepted(i: number, eventId: string, seq: number): void {
    this.kinds[i] = ACCEPTED;
    this.items[i] = eventId;
    this.seqs[i] = seq;
  }

  duplicate(i: number, eventId: string): void {
    this.kinds[i] = DUPLICATE;
    this.items[i] = eventId;
  }

  set(i: number, result: IngestResult): void {
    this.kinds[i] = OTHER;
    this.items[i] = result;
  }

  /** The status of result `i`, without building the result object. */
  statusAt(i: number): IngestResult['status'] | undefined {
    const kind = this.kinds[i];
    if (kind === ACCEPTED) return 'accepted';
    if (kind === DUPLICATE) return 'duplicate';
    return (this.items[i] as IngestResult | undefined)?.status;
  }

  get length(): number {
    return this.items.length;
  }

  toArray(): IngestResult[] {
    const out = new Array<IngestResult>(this.items.length);
    for (let i = 0; i < out.length; i++) {
      const item = this.items[i]!;
      const kind = this.kinds[i];
      if (kind === ACCEPTED) out[i] = { event_id: item as string, status: 'accepted', ingest_seq: this.seqs[i]! };
      else if (kind === DUPLICATE) out[i] = { event_id: item as string, status: 'duplicate' };
      else out[i] = item as IngestResult;
    }
    return out;
  }
}

/** Makes `report.results` the list `compact` holds, built on first read (or replaced by an assignment). */
function attachResults(report: IngestReport, compact: CompactResults): void {
  const define = (target: IngestReport, value: IngestResult[]) => Object.defineProperty(target, 'results', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(report, 'results', {
    enumerable: true,
    configurable: true,
    get(this: IngestReport) {
      const value = compact.toArray();
      define(this, value);
      return value;
    },
    set(this: IngestReport, value: IngestResult[]) {
      define(this, value);
    },
  });
}

const ACCEPTED = 1;
const DUPLICATE = 2;
const OTHER = 3;

/** `{"k":"r","s":` — the start of a raw record, before its seq. */
const RAW_START = Buffer.from('{"k":"r","s":', 'latin1');
/** Bytes per event to reserve up front: a typical envelope plus the record and frame heads. */
const BYTES_PER_EVENT_GUESS = 640;

/**
 * Gates a batch and frames its records, synchronously (acceptance order is seq order): each
 * event is decided against the index, applied to it, and written as a framed log line into one
 * buffer. An accepted envelope already in normal form is written with its original text (no
 * second JSON.stringify); nothing per event is kept beyond the report, so the parsed envelopes
 * can be collected while the batch waits for its fsync.
 */
function gateBatch(core: LakeCore, envelopes: Envelope[], options: IngestOptions, rejected: NonNullable<IngestOptions['rejected']>): GatedBatch {
  const time = core.clock().toISOString();
  const source = options.source ?? null;
  const originals = options.originals;
  // Per-event outcomes, compact until someone reads report.results (most callers only count).
  const results = new CompactResults(envelopes.length + rejected.length);
  const byReason: Record<string, number> = {};
  let accepted = 0;
  let duplicates = 0;
  let quarantined = 0;
  let firstSeq = 0;
  let lastSeq = 0;
  const writer = new FrameWriter(Math.min(64 << 20, (envelopes.length + rejected.length) * BYTES_PER_EVENT_GUESS));
  // `,"t":"<time>","v":<version>,"e":` per schema version, encoded once per call.
  const middles = new Map<string | null, Buffer>();
  const middleOf = (version: string | null): Buffer => {
    let m = middles.get(version);
    if (!m) middles.set(version, (m = Buffer.from(`,"t":"${time}","v":${version === null ? 'null' : JSON.stringify(version)},"e":`, 'utf8')));
    return m;
  };
  /** Assigns the next seq to a quarantine entry, applies it and frames it. */
  const quarantine = (entry: Omit<QuarantineLogRecord, 'k' | 's' | 't' | 'src'>, claimed: boolean): IngestResult => {
    const seq = core.nextSeq;
    const record: QuarantineLogRecord = { k: 'q', s: seq, t: time, tenant_id: entry.tenant_id, entity: entry.entity, event_id: entry.event_id, reasons: entry.reasons, violations: entry.violations, v: entry.v, src: source, raw: entry.raw, ...(entry.u ? { u: true } : {}) };
    const json = JSON.stringify(record);
    core.nextSeq++;
    if (firstSeq === 0) firstSeq = seq;
    lastSeq = seq;
    core.index.applyQuarantine(record, claimed);
    writer.begin();
    writer.text(json);
    writer.end();
    quarantined++;
    for (const r of record.reasons) byReason[r] = (byReason[r] ?? 0) + 1;
    return { event_id: record.event_id ?? '', status: 'quarantined', ingest_seq: seq, reasons: record.reasons, quarantine_id: quarantineId(seq) };
  };
  const index = core.index;
  for (let i = 0; i < envelopes.length; i++) {
    const input = envelopes[i];
    // Dedupe first, with one operation on the seen set: an event whose (tenant_id, event_id) is
    // well-formed is claimed (marked seen) or found a duplicate before it is gated. Every other
    // outcome of the gate (accepted or quarantined) marks it seen too, so this is what the gate's
    // own check followed by the apply's mark would do, in half the hash lookups.
    const claim = claimOf(input);
    let claimed = false;
    if (claim !== undefined) {
      if (!index.claim(claim.tenant_id, claim.event_id)) {
        duplicates++;
        results.duplicate(i, claim.event_id);
        continue;
      }
      claimed = true;
    }
    const decision = core.gate.decide(input, index, claimed ? SKIP_DEDUPE : undefined);
    if (decision.status === 'duplicate') {
      duplicates++;
      results.duplicate(i, decision.event_id);
      continue;
    }
    if (decision.status === 'accepted') {
      const original = decision.canonical ? originals?.[i] : undefined;
      const seq = core.nextSeq;
      writer.begin();
      writer.bytes(RAW_START);
      writer.integer(seq);
      writer.bytes(middleOf(decision.schemaVersion));
      // An envelope already in normal form is stored with its original text: no second JSON.stringify.
      if (original !== undefined && original.indexOf('\n') < 0) writer.text(original);
      else {
        let json: string;
        try {
          json = JSON.stringify(decision.envelope);
        } catch (error) {
          // Not encodable as JSON (a BigInt or a cycle in a payload built in-process): nothing was
          // applied yet, so it is quarantined like any other event that cannot be stored as it is.
          writer.abort();
          const e = decision.envelope;
          const violations = [{ field: '', rule: 'envelope', message: `The envelope cannot be encoded as JSON: ${(error as Error).message}` }];
          const raw = originals?.[i] ?? textOf(input);
          results.set(i, quarantine({ tenant_id: e.tenant_id, entity: e.entity, event_id: e.event_id, reasons: reasonsOf(violations), violations, v: null, raw }, claimed));
          continue;
        }
        writer.text(json);
      }
      writer.byte(0x7d); // }
      writer.end();
      core.nextSeq++;
      if (firstSeq === 0) firstSeq = seq;
      lastSeq = seq;
      index.applyRaw({ k: 'r', s: seq, t: time, v: decision.schemaVersion, e: decision.envelope }, decision.stateFields, claimed);
      accepted++;
      results.accepted(i, decision.envelope.event_id, seq);
    } else {
      const result = quarantine(
        {
          tenant_id: decision.tenant_id,
          entity: decision.entity,
          event_id: decision.event_id,
          reasons: decision.reasons,
          violations: decision.violations,
          v: decision.contractVersion,
          raw: originals?.[i] ?? textOf(input),
        },
        claimed,
      );
      if (decision.event_id === null) result.event_id = `invalid:${i}`;
      results.set(i, result);
    }
  }
  const rejectedTenant = options.tenant_id ?? 'unknown';
  for (let j = 0; j < rejected.length; j++) {
    const item = rejected[j]!;
    const code = typeof item?.code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(item.code) ? item.code : 'UNKNOWN';
    const result = quarantine(
      {
        tenant_id: rejectedTenant,
        entity: '_undecodable',
        event_id: null,
        reasons: [`undecodable:${code}`],
        violations: [{ field: '', rule: 'undecodable', message: typeof item?.message === 'string' ? item.message : 'The item could not be decoded.' }],
        v: null,
        raw: typeof item?.raw === 'string' ? item.raw : textOf(item?.raw),
        u: true,
      },
      false,
    );
    result.event_id = `rejected:${typeof item?.index === 'number' ? item.index : j}`;
    results.set(envelopes.length + j, result);
  }
  const report: IngestReport = {
    accepted,
    duplicates,
    quarantined,
    byReason,
    ...(firstSeq > 0 ? { firstSeq, lastSeq } : {}),
    validated: core.gate.validating,
    results: [],
  };
  attachResults(report, results);
  return { framed: writer.finish(), records: writer.count, firstSeq, lastSeq, time, source, report, results };
}

/**
 * Appends audit facts in groups: facts that arrive while an append is in flight (concurrent
 * batches acknowledged by the same group commit) go to the sink together in the next append,
 * one write and fsync for all of them. Each caller still gets its own fact, in order, and its
 * promise resolves only once that fact is durable.
 */
function groupedAuditAppender(append: (facts: AuditFact[]) => Promise<unknown>): (fact: AuditFact) => Promise<void> {
  let queue: Array<{ fact: AuditFact; resolve: () => void; reject: (error: unknown) => void }> = [];
  let running = false;
  const flush = async () => {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await append(group.map((g) => g.fact));
        for (const g of group) g.resolve();
      } catch (error) {
        for (const g of group) g.reject(error);
      }
    }
    running = false;
  };
  return (fact) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ fact, resolve, reject });
      if (running) return;
      running = true;
      // Start on the next turn, so batches acknowledged in this one share the append.
      setImmediate(() => void flush());
    });
}

/** Builds the ingest path over a lake core. */
export function createIngest(core: LakeCore): LakeIngest {
  const audit = core.audit;
  const appendFact = audit ? groupedAuditAppender((facts) => audit.append(facts)) : undefined;

  /** Waits for the batch to be durable, then records it (audit fact, lineage run). */
  async function commit(batch: GatedBatch, envelopes: readonly unknown[], rejectedTenant: string): Promise<IngestReport> {
    const { report, firstSeq, lastSeq, time, source } = batch;
    // Even an all-duplicate call waits for the batch in flight: a duplicate is acknowledged only once its original is durable.
    await core.appendDurably(batch.framed, firstSeq, lastSeq, batch.records);
    releaseFrameBuffer(batch.framed);
    const { accepted, duplicates, quarantined, byReason } = report;
    if (appendFact && firstSeq > 0) {
      await appendFact({
        type: 'ingest.batch',
        actor: core.actor,
        time,
        data: { source, accepted, duplicates, quarantined, byReason, firstSeq, lastSeq, validated: report.validated },
      });
    }
    if (core.lineage && firstSeq > 0) {
      // Only with lineage on; read from the compact outcomes, so report.results is still built only if asked for.
      const items: Parameters<typeof ingestBatchDatasets>[1] = [];
      const results = batch.results;
      for (let i = 0; i < envelopes.length; i++) {
        const status = results.statusAt(i);
        if (status === 'accepted' || status === 'quarantined') items.push({ input: envelopes[i], zone: status === 'accepted' ? 'raw' : 'quarantine' });
      }
      for (let j = envelopes.length; j < results.length; j++) items.push({ input: undefined, zone: 'quarantine', tenant: rejectedTenant, entity: '_undecodable' });
      const run = {
        job: 'ingest.batch',
        ...ingestBatchDatasets(core.dir, items),
        facets: { verity_ingest: { source: source ?? 'api', accepted, duplicates, quarantined, firstSeq, lastSeq } },
      };
      const id = await core.lineage.start(run);
      await core.lineage.complete(id, run);
    }
    return report;
  }

  return {
    async ingest(envelopes, options = {}) {
      core.assertWritable('ingest');
      if (!Array.isArray(envelopes)) throw new VerityError('INVALID_ARGUMENT', 'lake.ingest: envelopes must be an array.');
      const rejected = options.rejected ?? [];
      if (!Array.isArray(rejected)) throw new VerityError('INVALID_ARGUMENT', 'lake.ingest: options.rejected must be an array.');
      if (envelopes.length + rejected.length > MAX_INGEST_BATCH) throw new VerityError('INVALID_ARGUMENT', `lake.ingest: at most ${MAX_INGEST_BATCH} events per call; split the input.`);
      while (core.paused) await core.paused;
      core.assertWritable('ingest');
      // From here to the append, everything is synchronous: acceptance order is seq order.
      return commit(gateBatch(core, envelopes, options, rejected), envelopes, options.tenant_id ?? 'unknown');
    },
  };
}
