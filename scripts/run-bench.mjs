#!/usr/bin/env node
// Runs every benchmark under bench/ (files named *.bench.ts) in turn; each prints one JSON line.
// Extra arguments (e.g. --scale 10) are passed to each benchmark.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

// A word right after a `--flag` is that flag's value (`--data generated`), not a benchmark name.
const argv = process.argv.slice(2);
const only = argv.filter((a, i) => !a.startsWith('--') && !/^\d/.test(a) && !(i > 0 && argv[i - 1].startsWith('--')));
const args = argv.filter((a) => !only.includes(a));
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
