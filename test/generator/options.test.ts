import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { generate } from '../../src/generator/generate.js';
import { LineWriter } from '../../src/generator/line-writer.js';
import { resolveGenerateOptions } from '../../src/generator/options.js';
import { VerityError } from '../../src/errors.js';
import { capture } from '../helpers/cli.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'verity-genopt-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof VerityError ? e.code : 'NOT_VERITY_ERROR';
  }
  return undefined;
}

describe('generator options', () => {
  it('applies sensible defaults', () => {
    const o = resolveGenerateOptions();
    expect(o).toMatchObject({ seed: 1, tenants: 1, accounts: 50, contacts: 500, leads: 200, opportunities: 80, days: 30, start: '2026-01-01T00:00:00.000Z', hubspotSecret: 'verity-demo-secret' });
    expect(o.formats).not.toContain('csv');
    expect(o.rates.malformed_email).toBe(0.02);
    expect(o.rates.schema_new_field).toBe(1);
    expect(resolveGenerateOptions({ defectRate: 0 }).rates.schema_type_change).toBe(0);
    expect(resolveGenerateOptions({ rates: { merge: 0.3 } }).rates.merge).toBe(0.3);
  });

  it.each([
    [{ contacts: -1 }, /at least 0/],
    [{ contacts: 2.5 }, /integer/],
    [{ contacts: 100_000_001 }, /at most/],
    [{ tenants: 10, contacts: 20_000_000 }, /--contacts × --tenants/],
    [{ days: 0 }, /at least 1/],
    [{ formats: ['envelopes', 'xml'] }, /Unknown format "xml"/],
    [{ formats: [] }, /at least one/],
    [{ defectRate: 1.5 }, /between 0 and 1/],
    [{ rates: { typo: 0.1 } }, /Unknown defect kind "typo"/],
    [{ start: 'last tuesday' }, /ISO 8601/],
    [{ hubspotSecret: '' }, /must not be empty/],
  ])('rejects %j with INVALID_ARGUMENT', (options, message) => {
    expect(codeOf(() => resolveGenerateOptions(options as never))).toBe('INVALID_ARGUMENT');
    expect(() => resolveGenerateOptions(options as never)).toThrow(message);
  });

  it('rejects an output path that is a file, a non-empty foreign directory, or not creatable', async () => {
    const d = tmp();
    writeFileSync(join(d, 'file'), 'x');
    await expect(generate({ out: join(d, 'file'), contacts: 5 })).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(generate({ out: d, contacts: 5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(generate({ out: join(d, 'new'), contacts: 5, threads: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(existsSync(join(d, 'new'))).toBe(false);
    await expect(generate({ out: join(d, 'file', 'sub'), contacts: 5 })).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(readFileSync(join(d, 'file'), 'utf8')).toBe('x');
  });

  it('reports a failing write as IO_ERROR naming the file, and still closes it', () => {
    const ioError = expect.objectContaining({ code: 'IO_ERROR', message: expect.stringContaining('/dev/full') }) as Error;
    const w = new LineWriter('/dev/full');
    w.write('x');
    expect(() => w.close()).toThrow(ioError);
    expect(() => w.close()).not.toThrow(); // closed despite the failure
    const big = new LineWriter('/dev/full');
    expect(() => {
      for (let i = 0; i < 1000; i++) big.write('x'.repeat(1000));
    }).toThrow(ioError);
    expect(() => big.close()).toThrow(ioError);
    expect(() => new LineWriter(join(tmp(), 'missing', 'f.ndjson'))).toThrow(expect.objectContaining({ code: 'IO_ERROR' }) as Error);
  });

  it('overwrites its own previous output', async () => {
    const out = join(tmp(), 'data');
    await generate({ out, contacts: 20, accounts: 5, tenants: 2, days: 3 });
    expect(existsSync(join(out, 'tenants', 't02'))).toBe(true);
    await generate({ out, contacts: 20, accounts: 5, tenants: 1, days: 3 });
    expect(existsSync(join(out, 'tenants', 't02'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).tenants).toEqual(['t01']);
  });
});

describe('verity generate (CLI)', () => {
  it('writes a data set and prints a JSON report', async () => {
    const out = join(tmp(), 'data');
    const c = capture();
    const code = await runCli(['--json', 'generate', '--seed', '7', '--accounts', '10', '--contacts', '60', '--days', '10', '--out', out, '--formats', 'envelopes,hubspot,csv', '--rate', 'merge=0.2', '--hubspot-secret', 's3'], c.io);
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(c.out());
    expect(report.tenants).toEqual(['t01']);
    expect(report.events).toBeGreaterThan(100);
    expect(report.defects.merge.rate).toBe(0.2);
    expect(existsSync(join(out, 'tenants/t01/files/activity.csv'))).toBe(true);
    expect(existsSync(join(out, 'tenants/t01/salesforce'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.activity_file).toBe('activity.csv');
    expect(manifest.counts.events).toBe(report.events);
  });

  it('prints a human summary', async () => {
    const c = capture();
    expect(await runCli(['generate', '--contacts', '30', '--accounts', '5', '--days', '5', '--out', join(tmp(), 'd')], c.io)).toBe(0);
    expect(c.out()).toMatch(/^Generated \d+ events for 1 tenant\(s\)/);
    expect(c.out()).toMatch(/defects: +\d+ injected/);
  });

  it.each([
    [['--contacts', '-3'], /--contacts must be at least 0/],
    [['--contacts', 'many'], /--contacts must be a number/],
    [['--formats', 'json'], /Unknown format "json"/],
    [['--rate', 'malformed_email'], /--rate expects KIND=RATE/],
  ])('exits 2 with a one-line message for %j', async (args, message) => {
    const c = capture();
    expect(await runCli(['generate', ...args, '--out', join(tmp(), 'x')], c.io)).toBe(2);
    expect(c.err()).toMatch(message);
    expect(c.err().trim().split('\n')).toHaveLength(1);
  });

  it('exits 74 when the output directory cannot be written', async () => {
    const d = tmp();
    writeFileSync(join(d, 'f'), '');
    const c = capture();
    expect(await runCli(['generate', '--out', join(d, 'f', 'x')], c.io)).toBe(74);
    expect(c.err()).toMatch(/Cannot write to --out/);
  });
});
