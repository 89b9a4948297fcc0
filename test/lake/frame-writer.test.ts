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

describe('FrameWriter.json', () => {
  const encoded = (value: unknown): string | false => {
    const w = new FrameWriter(256);
    w.begin();
    w.text('[');
    const ok = w.json(value);
    w.text(']');
    w.end();
    const record = unframeLine(w.finish().toString('utf8').slice(0, -1))!;
    return ok ? record.slice(1, -1) : record === '[]' ? false : 'wrote something and failed';
  };

  it('writes the bytes JSON.stringify writes for plain JSON data', () => {
    const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: [2] });
    const values: unknown[] = [
      'plain',
      '',
      'quote " backslash \\ slash / tab \t nl \n cr \r bs \b ff \f nul \u0000 unit \u001f del \u007f',
      'é事😀 and a lone \ud800 surrogate, a lone \udfff one',
      'x'.repeat(5000),
      0,
      -0,
      7,
      -7,
      1.5,
      -0.1,
      1e21,
      1e-7,
      2 ** 31,
      2 ** 53 - 1,
      2 ** 53,
      Number.MAX_VALUE,
      NaN,
      Infinity,
      true,
      false,
      null,
      [],
      {},
      [1, 'a', null, undefined, () => 1, Symbol('s'), NaN, [[]], { a: undefined }],
      { b: 1, a: 2, 10: 'ten', 2: 'two', '-1': 'minus', ['ke"y\n']: 'v', u: undefined, f: () => 1, s: Symbol('s'), nested: { deep: [{ x: 'é' }] } },
      nullProto,
      { event_id: 'hubspot-0123', tenant_id: 't01', entity_key: { contact_id: 'con_1' }, payload: { email: 'a@b.c', score: 12, tags: ['x'], none: null } },
    ];
    for (const value of values) expect(encoded(value), String(JSON.stringify(value)).slice(0, 80)).toBe(JSON.stringify(value));
  });

  it('writes nothing and returns false for what it leaves to JSON.stringify', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = [deep];
    class Point {
      x = 1;
    }
    for (const value of [new Date(0), new Point(), 10n, { n: 10n }, { toJSON: () => 'x' }, [1, { at: new Date(0) }], cycle, deep, undefined, () => 1, Symbol('s'), new String('boxed')]) {
      expect(encoded(value)).toBe(false);
    }
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
