import { mkdirSync } from 'node:fs';
import { VerityError } from '../errors.js';
import { join } from 'node:path';
import { GeneratedRecordLine, type GeneratedItem } from './change.js';
import { ACTIVITY_COLUMNS, activityCsvLine } from './formats/activity-file-format.js';
import { envelopeJson, JsonMemo, recordJson } from './envelope-json.js';
import { jsonObject } from './json-text.js';
import { LineWriter } from './line-writer.js';
import type { GeneratorFormat } from './options.js';

/** The record entities, one `records/<entity>.ndjson` each. */
const RECORD_ENTITIES = ['account', 'contact', 'lead', 'opportunity', 'activity'] as const;

/** The output files of one tenant (`DIR/tenants/<tenant_id>/…`), opened for the chosen formats. */
export class TenantFiles {
  private readonly writers: LineWriter[] = [];
  private readonly envelopes?: LineWriter;
  private readonly hubspot?: LineWriter;
  private readonly salesforce?: LineWriter;
  private readonly debezium?: LineWriter;
  private readonly ndjson?: LineWriter;
  private readonly csv?: LineWriter;
  private readonly records = new Map<string, LineWriter>();
  private readonly memo = new JsonMemo();

  constructor(
    readonly dir: string,
    formats: readonly GeneratorFormat[],
  ) {
    const open = (rel: string): LineWriter => {
      const path = join(dir, rel);
      try {
        mkdirSync(join(path, '..'), { recursive: true });
      } catch (error) {
        throw new VerityError('IO_ERROR', `Cannot create ${join(path, '..')}: ${(error as Error).message}`, { cause: error });
      }
      const w = new LineWriter(path);
      this.writers.push(w);
      return w;
    };
    try {
      if (formats.includes('envelopes')) this.envelopes = open('envelopes/events.ndjson');
      if (formats.includes('hubspot')) this.hubspot = open('hubspot/deliveries.ndjson');
      if (formats.includes('salesforce')) this.salesforce = open('salesforce/events.ndjson');
      if (formats.includes('debezium')) this.debezium = open('debezium/events.ndjson');
      if (formats.includes('ndjson')) this.ndjson = open('files/activity.ndjson');
      if (formats.includes('csv')) {
        this.csv = open('files/activity.csv');
        this.csv.write(ACTIVITY_COLUMNS.join(','));
        this.csv.lines = 0; // the header is not a data row
      }
      if (formats.includes('records')) for (const e of RECORD_ENTITIES) this.records.set(e, open(`records/${e}.ndjson`));
    } catch (error) {
      // Close what was opened: the caller never gets this object to close.
      for (const w of this.writers)
        try {
          w.close();
        } catch {
          // already failing
        }
      throw error;
    }
  }

  /** Writes one item's lines to the files it belongs in. */
  write(item: GeneratedItem): void {
    if (item.type === 'signal') {
      this.salesforce?.write(jsonObject(item.native));
      return;
    }
    if (item.type !== 'delivery') return;
    const memo = this.memo;
    switch (item.source) {
      case 'hubspot':
        this.hubspot?.write(item.nativeJson ?? jsonObject(item.native));
        break;
      case 'salesforce':
        this.salesforce?.write(jsonObject(item.native));
        break;
      case 'debezium':
        this.debezium?.write(jsonObject(item.native));
        break;
      case 'file':
        // The row is also the envelope's payload and the record's base: serialised once.
        if (item.nativeJson !== undefined) memo.prime(item.native, item.nativeJson);
        this.ndjson?.write(memo.of(item.native));
        this.csv?.write(activityCsvLine(item.native as Record<string, unknown>));
        break;
    }
    if (this.envelopes) {
      const lines = item.envelopeJson;
      if (lines !== undefined && lines.length === item.envelopes.length) for (const line of lines) this.envelopes.write(line);
      else for (const e of item.envelopes) this.envelopes.write(envelopeJson(e, memo.of(e.payload)));
    }
    if (this.records.size > 0)
      for (const r of item.records) this.records.get(r.entity)?.write(r instanceof GeneratedRecordLine ? recordJson(memo.of(r.base), r.eventId, r.op) : jsonObject(r.record));
  }

  /** Closes every file and returns `{ relative path: { lines, bytes } }` (relative to `base`). */
  close(base: string): Record<string, { lines: number; bytes: number }> {
    const out: Record<string, { lines: number; bytes: number }> = {};
    let failure: unknown;
    for (const w of this.writers) {
      try {
        w.close();
      } catch (error) {
        failure ??= error;
      }
      out[w.path.slice(base.length + 1).split('\\').join('/')] = { lines: w.lines, bytes: w.bytes };
    }
    if (failure !== undefined) throw failure;
    return out;
  }
}
