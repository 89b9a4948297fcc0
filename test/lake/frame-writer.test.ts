import { afterEach, describe, expect, it } from 'vitest';
import { FrameWriter, releaseFrameBuffer } from '../../src/lake/frame-writer.js';
import { frameLine, unframeLine } from '../../src/lake/log-framing.js';
import { openLake } from '../../src/lake/lake.js';
import { cleanup, lead, tempDir } from './helpers.js';

afterEach(cleanup);

describe('FrameWriter', () => {
  it('frames records written in pieces like frameLine, checksums included', () => {
    const w = new FrameWriter(256);
    w.begin();
    w.text('{"s":');
    w.integer(1234567);
    w.text(',"x":"é事😀"');
    w.byte(0x7d);
    w.end();
    w.begin();
    w.text('{"dropped":true}');
    w.abort();
    w.begin();
    w.integer(0);
    w.end();
    expect(w.finish().toString('utf8')).toBe(frameLine('{"s":1234567,"x":"é事😀"}') + frameLine('0'));
    expect(unframeLine(frameLine('{"s":1}').slice(0, -1))).toBe('{"s":1}');
  });

  it('reuses released buffers without mixing their old bytes into new frames', () => {
    const big = new FrameWriter(128 * 1024);
    for (let i = 0; i < 300; i++) {
      big.begin();
      big.text(JSON.stringify({ i, pad: 'x'.repeat(400) }));
      big.end();
    }
    releaseFrameBuffer(big.finish());
    const again = new FrameWriter(128 * 1024);
    again.begin();
    again.text('{"a":1}');
    again.end();
    expect(again.finish().toString()).toBe(frameLine('{"a":1}'));
  });
});

describe('ingest of envelopes JSON cannot encode', () => {
  it('quarantines such an event (nothing half-written) and stores the rest of the batch', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir });
    const report = await lake.ingest([lead(1), { ...lead(2), payload: { lead_id: 'lead_2', n: 10n } }, lead(3)]);
    expect(report.results.map((r) => r.status)).toEqual(['accepted', 'quarantined', 'accepted']);
    expect(report.results[1]!.reasons).toEqual(['envelope:shape']);
    const ids: string[] = [];
    for await (const e of lake.scanRaw()) ids.push(e.event_id);
    expect(ids).toEqual(['evt-1', 'evt-3']);
    await lake.close();
    const reopened = await openLake({ dir });
    expect((await reopened.ingest([lead(2)])).results[0]!.status).toBe('duplicate');
    await reopened.close();
  });
});
