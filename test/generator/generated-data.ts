import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, type GenerateRunOptions, type GenerateReport } from '../../src/generator/generate.js';

/** A small but defect-rich data set for the generator tests. */
export const SMALL: Omit<GenerateRunOptions, 'out'> = { seed: 7, tenants: 2, accounts: 30, contacts: 300, days: 20, defectRate: 0.05, formats: ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson', 'csv', 'records'] };

const dirs: string[] = [];

/** Generates into a fresh temporary directory. */
export async function generateTemp(options: Omit<GenerateRunOptions, 'out'> = SMALL): Promise<{ dir: string; report: GenerateReport }> {
  const dir = mkdtempSync(join(tmpdir(), 'verity-gen-'));
  dirs.push(dir);
  const report = await generate({ ...options, out: join(dir, 'out') });
  return { dir: join(dir, 'out'), report };
}

/** Removes every directory made by {@link generateTemp}. */
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Parses an NDJSON file. */
export function readNdjson<T = any>(path: string): T[] {
  const text = readFileSync(path, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as T);
}

/** Every file under `dir`, relative paths, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}
