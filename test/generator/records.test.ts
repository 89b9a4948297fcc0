import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedItem } from '../../src/generator/change.js';
import type { GroundTruthEntry } from '../../src/generator/defects.js';
import { deriveEventId } from '../../src/ingest/event-id.js';
import { generateChanges } from '../../src/generator/generate-changes.js';
import type { GenerateReport } from '../../src/generator/generate.js';
import { cleanup, generateTemp, readNdjson, SMALL } from './generated-data.js';

let dir = '';
let report: GenerateReport;
const KEY: Record<string, string> = { account: 'account_id', contact: 'contact_id', lead: 'lead_id', opportunity: 'opportunity_id', activity: 'activity_id' };

beforeAll(async () => {
  ({ dir, report } = await generateTemp({ ...SMALL, tenants: 1 }));
});
afterAll(cleanup);

describe('generated record states', () => {
  it('write one line per envelope, duplicates excluded, each with its _event_id', () => {
    const envelopes = readNdjson(join(dir, 'tenants/t01/envelopes/events.ndjson'));
    for (const entity of Object.keys(KEY)) {
      const records = readNdjson(join(dir, `tenants/t01/records/${entity}.ndjson`));
      const ids = envelopes.filter((e) => e.entity === entity).map((e) => e.event_id as string);
      expect(records.map((r) => r._event_id)).toEqual([...new Set(ids)].filter((id, i, all) => all.indexOf(id) === i));
      expect(records.length, entity).toBeGreaterThan(0);
      for (const r of records) expect(r[KEY[entity]!]).toBeTruthy();
    }
  });

  it('carry each record-level defect on the defect event line only', () => {
    const truth = readNdjson<GroundTruthEntry>(join(dir, 'ground-truth.ndjson'));
    const checked = new Set<string>();
    for (const entity of Object.keys(KEY)) {
      const records = readNdjson(join(dir, `tenants/t01/records/${entity}.ndjson`));
      const byEvent = new Map(records.map((r) => [r._event_id as string, r]));
      for (const t of truth.filter((x) => x.entity === entity && x.field && 'value' in x.detail && ['record', 'reference', 'schema'].includes(x.layer))) {
        const line = byEvent.get(t.event_id)!;
        expect(line, `${t.kind} ${t.event_id}`).toBeDefined();
        expect(line[t.field!], t.kind).toEqual(t.detail.value);
        const key = line[KEY[entity]!];
        const sameKind = new Set(truth.filter((x) => x.kind === t.kind && x.field === t.field).map((x) => x.event_id));
        const others = records.filter((r) => r[KEY[entity]!] === key && !sameKind.has(r._event_id));
        for (const o of others) expect(o[t.field!], `${t.kind} leaks to ${o._event_id}`).not.toEqual(t.detail.value);
        checked.add(t.kind);
      }
    }
    for (const kind of ['malformed_email', 'missing_email', 'country_spelling', 'picklist_typo', 'score_out_of_range', 'future_date', 'schema_type_change', 'orphan_reference', 'schema_new_field'])
      expect(checked.has(kind), kind).toBe(true);
  });

  it('moves lead statuses only along allowed transitions except where ground truth says illegal_transition', () => {
    const allowed = new Set(['new>contacted', 'contacted>qualified', 'contacted>disqualified', 'qualified>converted', 'qualified>disqualified']);
    const truth = new Set(readNdjson<GroundTruthEntry>(join(dir, 'ground-truth.ndjson')).filter((t) => t.kind === 'illegal_transition').map((t) => t.event_id));
    const statuses = ['new', 'contacted', 'qualified', 'disqualified', 'converted'];
    // Re-emitted duplicates share the source position: keep first deliveries.
    const values = [...new Map(readNdjson(join(dir, 'tenants/t01/debezium/events.ndjson')).map((v) => [v.source.lsn, v])).values()];
    const illegal = values
      .filter((v) => v.op === 'u' && v.before.status !== v.after.status && statuses.includes(v.after.status))
      .filter((v) => !allowed.has(`${v.before.status}>${v.after.status}`))
      .map((v) => deriveEventId('debezium', [v.source.name, v.source.lsn, v.source.txId, JSON.stringify([v.after.lead_id])]));
    expect(truth.size).toBeGreaterThan(0);
    expect(new Set(illegal)).toEqual(truth);
  });

  it('streams the same envelopes in memory as it writes to files', () => {
    const fromFile = readNdjson(join(dir, 'tenants/t01/envelopes/events.ndjson')).map((e) => e.event_id);
    const inMemory: string[] = [];
    for (const item of generateChanges({ ...SMALL, tenants: 1 })) if (item.type === 'delivery') for (const e of item.envelopes) inMemory.push(e.event_id);
    expect(inMemory).toEqual(fromFile);
    expect(inMemory.length).toBe(report.events);
  });

  it('makes the label learnable: won opportunities sit in accounts with more email opens', () => {
    const big = { ...SMALL, tenants: 1, accounts: 60, contacts: 1500, opportunities: 150, days: 40, defectRate: 0 };
    const opens = new Map<string, number>();
    const won = new Map<string, boolean>();
    for (const item of generateChanges(big)) {
      if (item.type !== 'delivery') continue;
      for (const e of item.envelopes) {
        if (e.entity === 'activity' && e.payload.type === 'email_opened') opens.set(e.payload.account_id as string, (opens.get(e.payload.account_id as string) ?? 0) + 1);
        if (e.entity === 'opportunity' && typeof e.payload.stage === 'string' && e.payload.stage.startsWith('closed_')) won.set(e.entity_key.opportunity_id as string, e.payload.stage === 'closed_won');
      }
    }
    // Opportunities' accounts are only in record states; join through the opportunity creates.
    const accountOf = new Map<string, string>();
    for (const item of generateChanges(big)) if (item.type === 'delivery') for (const e of item.envelopes) if (e.entity === 'opportunity' && e.payload.account_id) accountOf.set(e.entity_key.opportunity_id as string, e.payload.account_id as string);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const wonOpens = mean([...won].filter(([, w]) => w).map(([id]) => opens.get(accountOf.get(id)!) ?? 0));
    const lostOpens = mean([...won].filter(([, w]) => !w).map(([id]) => opens.get(accountOf.get(id)!) ?? 0));
    expect([...won.values()].filter(Boolean).length).toBeGreaterThan(5);
    expect(wonOpens).toBeGreaterThan(lostOpens);
  });
});

describe('generated line serialisation', () => {
  it('writes envelope, record and native lines byte-identical to JSON.stringify of the streamed objects', async () => {
    const { envelopeJson, JsonMemo, recordJson } = await import('../../src/generator/envelope-json.js');
    const { jsonText } = await import('../../src/generator/json-text.js');
    const { GeneratedRecordLine } = await import('../../src/generator/change.js');
    const { generateBatches } = await import('../../src/generator/generate-changes.js');
    const { resolveGenerateOptions } = await import('../../src/generator/options.js');
    const memo = new JsonMemo();
    let n = 0;
    const prepared = { native: 0, envelopes: 0 };
    const items: GeneratedItem[] = [];
    // Each batch array is reused: copy its items before asking for the next.
    for (const batch of generateBatches(resolveGenerateOptions({ ...SMALL, tenants: 1 }), { envelopes: true, hubspot: true, rows: true, hubspotPosts: true })) items.push(...batch);
    // The in-memory stream is the same, without the texts the file writer uses.
    const plain = [...generateChanges({ ...SMALL, tenants: 1 })];
    expect(plain.map((i) => (i.type === 'delivery' ? { ...i, nativeJson: undefined, envelopeJson: undefined } : i))).toEqual(
      items.map((i) => (i.type === 'delivery' ? { ...i, nativeJson: undefined, envelopeJson: undefined } : i)),
    );
    for (const i of plain) if (i.type === 'delivery') expect(i.nativeJson === undefined && i.envelopeJson === undefined).toBe(true);
    for (const item of items) {
      if (item.type === 'signal') expect(jsonText(item.native)).toBe(JSON.stringify(item.native));
      if (item.type !== 'delivery') continue;
      expect(jsonText(item.native)).toBe(JSON.stringify(item.native));
      if (item.nativeJson !== undefined) expect(item.nativeJson).toBe(JSON.stringify(item.native));
      if (item.envelopeJson !== undefined) expect(item.envelopeJson).toEqual(item.envelopes.map((e) => JSON.stringify(e)));
      prepared.native += item.nativeJson === undefined ? 0 : 1;
      prepared.envelopes += item.envelopeJson?.length ?? 0;
      if (item.source === 'hubspot') expect((item.native as { body: string }).body).toBe(JSON.stringify(JSON.parse((item.native as { body: string }).body)));
      for (const d of item.defects) expect(jsonText(d)).toBe(JSON.stringify(d));
      for (const e of item.envelopes) expect(envelopeJson(e, memo.of(e.payload))).toBe(JSON.stringify(e));
      for (const r of item.records) {
        expect(r).toBeInstanceOf(GeneratedRecordLine);
        const line = r as InstanceType<typeof GeneratedRecordLine>;
        expect(recordJson(memo.of(line.base), line.eventId, line.op)).toBe(JSON.stringify(r.record));
        expect(r.record).toEqual({ ...line.base, _event_id: line.eventId, _op: line.op });
      }
      n += item.envelopes.length;
    }
    expect(n).toBeGreaterThan(1000);
    // Most lines come prepared by the formats (activity rows and envelopes, HubSpot POSTs and envelopes).
    expect(prepared.envelopes).toBeGreaterThan(n * 0.8);
    expect(prepared.native).toBeGreaterThan(1000);
  });

  it('serialises JSON-like values exactly as JSON.stringify, escapes and edge cases included', async () => {
    const { jsonText } = await import('../../src/generator/json-text.js');
    const values: unknown[] = [
      'plain', 'quote " and \\ backslash', 'tab\tnew\nline\u0001', 'é ü 日本', 'emoji 😀', 'lone \ud800 surrogate', '\u2028', '',
      0, -0, 1.5, -12e-7, 1e21, NaN, Infinity, true, false, null,
      [], {}, [1, 'a', null, undefined, () => 1], { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
      { nested: { deep: [{ x: 'y"' }] }, arr: [[]] }, { 1: 'one', b: 2, 0: 'zero' }, Object.create(null) as object,
      { toJSON: () => 'custom' }, new Date(0), [new Date(0)], { when: new Date(0) }, new (class Foo { x = 1; })(),
      { '"key"': 1, 'k\n': 2 },
    ];
    for (const v of values) expect(jsonText(v), String(JSON.stringify(v))).toBe(JSON.stringify(v));
    expect(jsonText(undefined)).toBeUndefined();
  });
});
