import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from './helpers.js';

afterEach(cleanup);

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first ```ts block of a docs page, importing from the source tree instead of the package. */
function firstExample(page: string): string {
  const text = readFileSync(join(root, 'docs', page), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error(`no ts example in ${page}`);
  return m[1]!.replaceAll("from 'verity'", `from '${join(root, 'src', 'index.ts')}'`);
}

describe('docs examples run', () => {
  it('docs/lake.md: the first example ingests, scans, queries and compacts', () => {
    const dir = tempDir('verity-docs-');
    const file = join(dir, 'example.mts');
    writeFileSync(file, firstExample('lake.md'));
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, file], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^1 1\n1 evt-1\n/);
    expect(run.stdout).toMatch(/compactedThrough: 1/);
  });
});
