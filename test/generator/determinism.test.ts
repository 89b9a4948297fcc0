import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, generateTemp, listFiles, SMALL } from './generated-data.js';
import { createPrng, hashSeed } from '../../src/generator/prng.js';
import { isoTime } from '../../src/generator/time.js';
import { splitFormats } from '../../src/generator/format-files.js';
import { FormatThreadRun } from '../../src/generator/format-thread.js';
import { resolveGenerateOptions } from '../../src/generator/options.js';

afterAll(cleanup);

const hashes = (dir: string) => Object.fromEntries(listFiles(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

describe('generator determinism', () => {
  it('writes byte-identical files for the same seed, whatever the output directory', async () => {
    const a = await generateTemp();
    const b = await generateTemp();
    const ha = hashes(a.dir);
    expect(Object.keys(ha)).toContain('tenants/t02/hubspot/deliveries.ndjson');
    expect(Object.keys(ha).length).toBeGreaterThanOrEqual(2 + 2 * 11);
    expect(hashes(b.dir)).toEqual(ha);
  });

  it('writes the same bytes for a file whichever thread writes it (formats split between two threads or not)', async () => {
    const split = await generateTemp({ ...SMALL, tenants: 1 });
    expect(hashes((await generateTemp({ ...SMALL, tenants: 1, threads: 1 })).dir)).toEqual(hashes(split.dir));
    const alone = await Promise.all(['envelopes', 'records', 'hubspot', 'debezium'].map((f) => generateTemp({ ...SMALL, tenants: 1, formats: [f] })));
    const all = hashes(split.dir);
    for (const one of alone) for (const [file, hash] of Object.entries(hashes(one.dir))) if (file.startsWith('tenants/') || file === 'ground-truth.ndjson') expect([file, all[file]]).toEqual([file, hash]);
    expect(splitFormats(['envelopes', 'records'])).toEqual({ main: ['envelopes'], second: ['records'] });
    expect(splitFormats(['hubspot', 'records'])).toEqual({ main: ['hubspot', 'records'], second: [] });
  });

  it("reports the second thread's failure with its error code", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verity-gen-')), 'file');
    writeFileSync(file, '');
    const run = new FormatThreadRun(resolveGenerateOptions({ contacts: 5 }), file, ['records']);
    await expect(run.files).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(run.failed).toBe(true);
    rmSync(join(file, '..'), { recursive: true, force: true });
  });

  it('writes different data for a different seed', async () => {
    const a = await generateTemp({ ...SMALL, tenants: 1 });
    const b = await generateTemp({ ...SMALL, tenants: 1, seed: 8 });
    const f = 'tenants/t01/envelopes/events.ndjson';
    expect(readFileSync(join(a.dir, f), 'utf8')).not.toEqual(readFileSync(join(b.dir, f), 'utf8'));
  });

  it('draws the same sequence from the same seed and a different one from another', () => {
    const seq = (s: number) => Array.from({ length: 5 }, () => createPrng(s)).map((p) => p.next());
    const a = createPrng(hashSeed(7, 't01'));
    const b = createPrng(hashSeed(7, 't01'));
    const c = createPrng(hashSeed(7, 't02'));
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(seq(1)).size).toBe(1);
  });

  it('formats timestamps exactly like Date#toISOString', () => {
    const p = createPrng(3);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(p.next() * 4e12) - 1e12;
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
