/** A deterministic in-memory TrainingFrameBuilder for snapshot tests (stands in for the feature store). */
import type { FrameRow, TrainingFrame, TrainingFrameBuilder, TrainingFrameOptions } from '../../src/snapshots/training-frame-builder.js';

/** Contacts without `model_training` consent in the test data. */
export const NO_CONSENT = new Set(['con_3']);

export function createTestFrameBuilder(calls: Array<{ frame: FrameRow[]; views: string[]; options: TrainingFrameOptions }> = []): TrainingFrameBuilder {
  return {
    async build(frame, views, options): Promise<TrainingFrame> {
      calls.push({ frame, views, options });
      const kept = options.purpose ? frame.filter((r) => !NO_CONSENT.has(String(r.contact_id))) : frame;
      const rows = kept.map((r, i) => ({
        contact_id: r.contact_id,
        event_timestamp: r.event_timestamp,
        label: r.label === undefined ? null : Number(r.label),
        ...Object.fromEntries(views.map((v) => [`${v}__count_30d`, (i * 7 + v.length) % 11])),
        ...Object.fromEntries(views.map((v) => [`${v}__score`, ((i + 1) * 0.25) / v.length])),
        lifecycle_stage: i % 2 ? 'lead' : 'customer',
      }));
      return {
        rows,
        views: views.map((v) => ({ name: v, version: `sha256:${v.padEnd(8, '0')}` })),
        contracts: [{ entity: 'contact', version: '1.0.0' }, { entity: 'activity', version: '1.1.0' }],
        lakePositions: { lastSeq: 4242 },
        filesRead: [
          { path: 'raw/tenant=t01/entity=contact/date=2026-03-01/part-0.parquet', sha256: 'a'.repeat(64), rows: 100 },
          { path: 'raw/tenant=t01/entity=activity/date=2026-03-01/part-0.parquet', sha256: 'b'.repeat(64), rows: 900 },
        ],
        parameters: { knowledge: 'as_of', tenant_id: 't01' },
        columnSources: Object.fromEntries(views.flatMap((v) => [[`${v}__count_30d`, { view: v, field: 'count_30d' }], [`${v}__score`, { view: v, field: 'score' }]])),
        ...(options.purpose ? { consentExcluded: frame.length - kept.length } : {}),
      };
    },
  };
}

export const FRAME_CSV = 'contact_id,event_timestamp,label\ncon_1,2026-03-01T00:00:00.000Z,1\ncon_2,2026-03-02T00:00:00.000Z,0\ncon_3,2026-03-03T00:00:00.000Z,1\ncon_4,2026-03-04T00:00:00.000Z,0\n';
