import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Every ```ts block of docs/sources/*.md runs as written (importing 'verity' from src/index.ts), and
// prints what its trailing `// …` comment lines say it prints.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs', 'sources');
const INDEX = join(ROOT, 'src', 'index.ts');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const work = mkdtempSync(join(tmpdir(), 'verity-docs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const blocks = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .flatMap((file) => [...readFileSync(join(DOCS, file), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({ file, i, code: m[1]! })));

describe('docs/sources examples', () => {
  it('has an example per adapter page', () => {
    expect(new Set(blocks.map((b) => b.file))).toEqual(new Set(['debezium.md', 'envelopes.md', 'files.md', 'hubspot.md', 'salesforce.md']));
  });

  for (const block of blocks) {
    it(`runs the example #${block.i + 1} of ${block.file} and prints what it says`, () => {
      const path = join(work, `${block.file}.${block.i}.mts`);
      writeFileSync(path, block.code.replaceAll("from 'verity'", `from ${JSON.stringify(INDEX)}`));
      const run = spawnSync(process.execPath, ['--import', TSX, path], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr.replace(/npm warn.*\n/g, '')).toBe('');
      expect(run.status).toBe(0);
      // the expected output is the run of `// ` lines that ends the block
      const lines = block.code.trimEnd().split('\n');
      const expected: string[] = [];
      while (lines.length > 0 && lines[lines.length - 1]!.startsWith('// ')) expected.unshift(lines.pop()!.slice(3));
      expect(expected.length).toBeGreaterThan(0);
      expect(run.stdout.trimEnd().split('\n')).toEqual(expected);
    });
  }
});
