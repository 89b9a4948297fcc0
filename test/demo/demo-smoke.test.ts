import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'verity.js');
let work: string;

beforeAll(() => {
  // The smoke test runs the built CLI, as a user would; build it when this checkout has not yet.
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    const b = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`);
  }
  work = mkdtempSync(join(tmpdir(), 'verity-demo-smoke-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('verity demo (built CLI, end to end)', () => {
  it('runs every stage in a fresh directory and prints its report', () => {
    const r = spawnSync(process.execPath, [bin, 'demo', '--dir', join(work, 'demo')], { cwd: work, encoding: 'utf8', timeout: 240_000 });
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Generated \d+ CRM events/);
    expect(r.stdout).toMatch(/HTTP hubspot: \d+ requests → [1-9]\d* accepted/);
    expect(r.stdout).toMatch(/Quarantine .*by reason/);
    expect(r.stdout).toMatch(/compacted into [1-9]\d* Parquet files/);
    expect(r.stdout).toMatch(/point-in-time training frame: [1-9]\d* rows/);
    expect(r.stdout).toMatch(/Snapshot demo-training v1 .* verify: OK/);
    expect(r.stdout).toMatch(/Audit log: [1-9]\d* entries, Merkle root [0-9a-f]{16}/);
    expect(existsSync(join(work, 'demo', 'verity.config.yaml'))).toBe(true);
  });

  it('runs again over its own previous directory, and emits JSON with --json', () => {
    const r = spawnSync(process.execPath, [bin, '--json', 'demo', '--dir', join(work, 'demo')], { cwd: work, encoding: 'utf8', timeout: 240_000 });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.lake.totals.raw).toBeGreaterThan(0);
    expect(report.detection.injected).toBeGreaterThan(0);
    // Issue 4: every contract defect the generator injected is quarantined, and no clean event is.
    expect(report.detection.detected).toBe(report.detection.injected);
    expect(report.detection.falsePositives).toBe(0);
    expect(report.snapshot.verified).toBe(true);
    expect(report.snapshot.version).toBe(1);
  });

  it('refuses a non-empty directory it did not make, with a one-line error', () => {
    const r = spawnSync(process.execPath, [bin, 'demo', '--dir', root], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not made by `verity demo`/);
  });
});
