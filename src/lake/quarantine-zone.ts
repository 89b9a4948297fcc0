import type { LineageDataset } from '../lineage/lineage-emitter.js';
import { zoneDataset } from '../lineage/dataset-names.js';
import { DatasetTally } from './lake-lineage.js';
import type { Violation } from '../contracts/types.js';
import { VerityError } from '../errors.js';
import type { LakeCore } from './lake-core.js';
import type { LakeIngest } from './lake-ingest.js';
import type { LakeQuery } from './lake-query.js';
import { parseQuarantineId, quarantineId, type RawLogRecord } from './log-records.js';
import { sqlString } from './lake-sql.js';
import type { QuarantineDetail, QuarantineEntry, QuarantineFilter, QuarantineZone, ReplayReport } from './types.js';

const SUMMARY = `quarantine_id, ingest_seq, ingest_time, tenant_id, entity, event_id, source, reasons, contract_version, replayed_seq`;
const REPLAY_CHUNK = 2_000;

function whereOf(filter: QuarantineFilter, pendingOnly: boolean): string {
  const where: string[] = [];
  if (pendingOnly) where.push('replayed_seq IS NULL');
  if (filter.tenant_id !== undefined) where.push(`tenant_id = ${sqlString(filter.tenant_id)}`);
  if (filter.entity !== undefined) where.push(`entity = ${sqlString(filter.entity)}`);
  if (filter.reason !== undefined) where.push(`list_contains(reasons, ${sqlString(filter.reason)})`);
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

const entryOf = (row: Record<string, unknown>): QuarantineEntry => ({
  quarantine_id: row.quarantine_id as string,
  ingest_seq: Number(row.ingest_seq),
  ingest_time: row.ingest_time as string,
  tenant_id: row.tenant_id as string,
  entity: row.entity as string,
  event_id: (row.event_id as string | null) ?? null,
  source: (row.source as string | null) ?? null,
  reasons: (row.reasons as string[] | null) ?? [],
  contract_version: (row.contract_version as string | null) ?? null,
  replayed_seq: row.replayed_seq === null || row.replayed_seq === undefined ? null : Number(row.replayed_seq),
});

/**
 * The quarantine zone: list, show, and replay. Replay re-validates each pending entry with the
 * lake's current contracts and index (previous states, known keys) and appends those that now
 * pass to the raw zone as new raw events (new `ingest_seq`, same `event_id`) carrying the
 * quarantine id. That mark is in the same log line as the event, so "replayed" and "in the raw
 * zone" become durable together: a crash mid-replay followed by a second replay never
 * duplicates, and never loses a replay that was reported.
 */
export function createQuarantineZone(core: LakeCore, _ingest: LakeIngest, query: LakeQuery): QuarantineZone {
  return {
    async list(filter = {}) {
      await query.refresh();
      const limit = Math.max(1, Math.min(filter.limit ?? 1000, 1_000_000));
      const rows = await core.engine.rows(`SELECT ${SUMMARY} FROM quarantine_events ${whereOf(filter, filter.includeReplayed !== true)} ORDER BY ingest_seq LIMIT ${limit}`);
      return rows.map(entryOf);
    },
    async show(id) {
      const seq = parseQuarantineId(String(id));
      if (seq === undefined) throw new VerityError('INVALID_ARGUMENT', `"${id}" is not a quarantine id (e.g. q42). List them with \`verity quarantine list\`.`);
      await query.refresh();
      const rows = await core.engine.rows(`SELECT ${SUMMARY}, violations, raw FROM quarantine_events WHERE ingest_seq = ${seq}`);
      const row = rows[0];
      if (!row) throw new VerityError('NOT_FOUND', `No quarantine entry ${quarantineId(seq)} in lake ${core.dir}. List them with \`verity quarantine list\`.`);
      let violations: Violation[] = [];
      try {
        violations = JSON.parse(row.violations as string) as Violation[];
      } catch {
        violations = [];
      }
      const detail: QuarantineDetail = { ...entryOf(row), violations, raw: row.raw as string };
      return detail;
    },
    async replay(filter = {}, options = {}) {
      core.assertWritable('replay quarantine');
      if (!core.contracts && options.withoutContracts !== true)
        throw new VerityError(
          'INVALID_ARGUMENT',
          'Quarantine replay needs contracts to re-validate against: open the lake with a ContractResolver (the CLI uses the project\'s contracts/). Pass withoutContracts: true to re-check envelopes only.',
        );
      const runJob = { job: 'quarantine.replay', inputs: [] as LineageDataset[], outputs: [] as LineageDataset[] };
      const replayedFrom = new DatasetTally();
      const replayedTo = new DatasetTally();
      const runId = core.lineage ? await core.lineage.start(runJob) : undefined;
      const report: ReplayReport = { examined: 0, replayed: 0, stillQuarantined: 0, byReason: {}, skipped: 0, validated: core.gate.validating, results: [] };
      try {
        await query.refresh();
        const where = whereOf(filter, true);
        const pending = await core.engine.rows(`SELECT ingest_seq, raw, undecodable FROM quarantine_events ${where} ORDER BY ingest_seq`);
        for (let i = 0; i < pending.length; i += REPLAY_CHUNK) {
          const chunk = pending.slice(i, i + REPLAY_CHUNK);
          while (core.paused) await core.paused;
          core.assertWritable('replay quarantine');
          // Synchronous from here to the append: the check-and-mark of each entry cannot interleave.
          const time = core.clock().toISOString();
          const lines: string[] = [];
          let first = 0;
          let last = 0;
          for (const row of chunk) {
            const qSeq = Number(row.ingest_seq);
            const qid = quarantineId(qSeq);
            if (core.index.replayedSeq(qSeq) !== undefined) continue;
            report.examined++;
            if (row.undecodable === true) {
              report.skipped++;
              report.results.push({ quarantine_id: qid, status: 'skipped', reasons: ['undecodable'] });
              continue;
            }
            let input: unknown;
            try {
              input = JSON.parse(row.raw as string);
            } catch {
              input = undefined;
            }
            const decision = core.gate.decide(input, core.index, { skipDedupe: true });
            if (decision.status === 'accepted') {
              const seq = core.nextSeq++;
              if (first === 0) first = seq;
              last = seq;
              const record: RawLogRecord = { k: 'r', s: seq, t: time, v: decision.schemaVersion, e: decision.envelope, q: qid };
              core.index.applyRaw(record, decision.stateFields);
              lines.push(JSON.stringify(record));
              report.replayed++;
              report.results.push({ quarantine_id: qid, status: 'replayed', ingest_seq: seq });
              if (core.lineage) {
                replayedFrom.add(zoneDataset(core.dir, 'quarantine', decision.envelope.tenant_id, decision.envelope.entity));
                replayedTo.add(zoneDataset(core.dir, 'raw', decision.envelope.tenant_id, decision.envelope.entity));
              }
            } else {
              const reasons = decision.status === 'quarantined' ? decision.reasons : ['duplicate'];
              report.stillQuarantined++;
              for (const r of reasons) report.byReason[r] = (report.byReason[r] ?? 0) + 1;
              report.results.push({ quarantine_id: qid, status: 'quarantined', reasons });
            }
          }
          await core.appendDurably(lines, first, last);
          options.onProgress?.(Math.min(i + REPLAY_CHUNK, pending.length), pending.length);
        }
        if (core.audit && report.examined > 0) {
          await core.audit.append([
            { type: 'quarantine.replay', actor: core.actor, time: core.clock().toISOString(), data: { filter: { ...filter }, examined: report.examined, replayed: report.replayed, stillQuarantined: report.stillQuarantined, skipped: report.skipped, byReason: report.byReason } },
          ]);
        }
        if (core.lineage && runId !== undefined)
          await core.lineage.complete(runId, { ...runJob, inputs: replayedFrom.list(), outputs: replayedTo.list(true), facets: { verity_replay: { examined: report.examined, replayed: report.replayed } } });
        return report;
      } catch (error) {
        if (core.lineage && runId !== undefined) await core.lineage.fail(runId, runJob, error as Error).catch(() => undefined);
        throw error;
      }
    },
  };
}
