import { VerityError } from '../errors.js';
import type { Envelope } from '../envelope.js';
import type { GateDecision } from '../ingest/gate.js';
import type { LakeCore } from './lake-core.js';
import { ingestBatchDatasets } from './lake-lineage.js';
import { quarantineId, type QuarantineLogRecord, type RawLogRecord } from './log-records.js';
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

/** Builds the ingest path over a lake core. */
export function createIngest(core: LakeCore): LakeIngest {
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
      const time = core.clock().toISOString();
      const source = options.source ?? null;
      const results: IngestResult[] = new Array<IngestResult>(envelopes.length + rejected.length);
      const byReason: Record<string, number> = {};
      let accepted = 0;
      let duplicates = 0;
      let quarantined = 0;
      const lines: string[] = [];
      const originals = options.originals;
      let firstSeq = 0;
      let lastSeq = 0;
      const quarantine = (record: QuarantineLogRecord): IngestResult => {
        core.index.applyQuarantine(record);
        lines.push(JSON.stringify(record));
        quarantined++;
        for (const r of record.reasons) byReason[r] = (byReason[r] ?? 0) + 1;
        return { event_id: record.event_id ?? '', status: 'quarantined', ingest_seq: record.s, reasons: record.reasons, quarantine_id: quarantineId(record.s) };
      };
      for (let i = 0; i < envelopes.length; i++) {
        const input = envelopes[i];
        const decision: GateDecision = core.gate.decide(input, core.index);
        if (decision.status === 'duplicate') {
          duplicates++;
          results[i] = { event_id: decision.event_id, status: 'duplicate' };
          continue;
        }
        const seq = core.nextSeq++;
        if (firstSeq === 0) firstSeq = seq;
        lastSeq = seq;
        if (decision.status === 'accepted') {
          const record: RawLogRecord = { k: 'r', s: seq, t: time, v: decision.schemaVersion, e: decision.envelope };
          core.index.applyRaw(record, decision.stateFields);
          const original = decision.canonical ? originals?.[i] : undefined;
          // An envelope already in normal form is stored with its original text: no second JSON.stringify.
          if (original !== undefined && original.indexOf('\n') < 0)
            lines.push(`{"k":"r","s":${seq},"t":"${time}","v":${decision.schemaVersion === null ? 'null' : JSON.stringify(decision.schemaVersion)},"e":${original}}`);
          else lines.push(JSON.stringify(record));
          accepted++;
          results[i] = { event_id: decision.envelope.event_id, status: 'accepted', ingest_seq: seq };
        } else {
          const result = quarantine({
            k: 'q',
            s: seq,
            t: time,
            tenant_id: decision.tenant_id,
            entity: decision.entity,
            event_id: decision.event_id,
            reasons: decision.reasons,
            violations: decision.violations,
            v: decision.contractVersion,
            src: source,
            raw: options.originals?.[i] ?? textOf(input),
          });
          if (decision.event_id === null) result.event_id = `invalid:${i}`;
          results[i] = result;
        }
      }
      const rejectedTenant = options.tenant_id ?? 'unknown';
      for (let j = 0; j < rejected.length; j++) {
        const item = rejected[j]!;
        const seq = core.nextSeq++;
        if (firstSeq === 0) firstSeq = seq;
        lastSeq = seq;
        const code = typeof item?.code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(item.code) ? item.code : 'UNKNOWN';
        const result = quarantine({
          k: 'q',
          s: seq,
          t: time,
          tenant_id: rejectedTenant,
          entity: '_undecodable',
          event_id: null,
          reasons: [`undecodable:${code}`],
          violations: [{ field: '', rule: 'undecodable', message: typeof item?.message === 'string' ? item.message : 'The item could not be decoded.' }],
          v: null,
          src: source,
          raw: typeof item?.raw === 'string' ? item.raw : textOf(item?.raw),
          u: true,
        });
        result.event_id = `rejected:${typeof item?.index === 'number' ? item.index : j}`;
        results[envelopes.length + j] = result;
      }
      // Even an all-duplicate call waits for the batch in flight: a duplicate is acknowledged only once its original is durable.
      await core.appendDurably(lines, firstSeq, lastSeq);
      const report: IngestReport = {
        accepted,
        duplicates,
        quarantined,
        byReason,
        ...(firstSeq > 0 ? { firstSeq, lastSeq } : {}),
        validated: core.gate.validating,
        results,
      };
      if (core.audit && firstSeq > 0) {
        await core.audit.append([
          {
            type: 'ingest.batch',
            actor: core.actor,
            time,
            data: { source, accepted, duplicates, quarantined, byReason, firstSeq, lastSeq, validated: report.validated },
          },
        ]);
      }
      if (core.lineage && firstSeq > 0) {
        const items: Parameters<typeof ingestBatchDatasets>[1] = [];
        for (let i = 0; i < envelopes.length; i++) {
          const status = results[i]?.status;
          if (status === 'accepted' || status === 'quarantined') items.push({ input: envelopes[i], zone: status === 'accepted' ? 'raw' : 'quarantine' });
        }
        for (let j = 0; j < rejected.length; j++) items.push({ input: undefined, zone: 'quarantine', tenant: rejectedTenant, entity: '_undecodable' });
        const run = {
          job: 'ingest.batch',
          ...ingestBatchDatasets(core.dir, items),
          facets: { verity_ingest: { source: source ?? 'api', accepted, duplicates, quarantined, firstSeq, lastSeq } },
        };
        const id = await core.lineage.start(run);
        await core.lineage.complete(id, run);
      }
      return report;
    },
  };
}
