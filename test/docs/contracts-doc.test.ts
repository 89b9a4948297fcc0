import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { initProject } from '../../src/project/init.js';

const DOC = fileURLToPath(new URL('../../docs/contracts.md', import.meta.url));

/** The shell commands of the page's bash blocks, in order, with the exit code each expects. */
function commands(): { line: string; exit: number }[] {
  const text = readFileSync(DOC, 'utf8');
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const out: { line: string; exit: number }[] = [];
  for (const block of blocks) {
    const joined = block.replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      if (!raw.trim() || raw.trim().startsWith('#')) continue;
      const exit = /#\s*exit (\d+)/.exec(raw);
      out.push({ line: raw.replace(/\s+#.*$/, '').trim(), exit: exit ? Number(exit[1]) : 0 });
    }
  }
  return out;
}

function argv(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(1);
}

describe('docs/contracts.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verity-doc-'));
  const project = join(dir, 'my-crm');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every contract and schema command of the page with the exit code it states', async () => {
    const cwd = process.cwd();
    initProject(project);
    process.chdir(project);
    const ran: string[] = [];
    try {
      for (const { line, exit } of commands()) {
        if (line.startsWith('verity init') || line.startsWith('verity quarantine')) continue;
        if (!line.startsWith('verity ')) {
          execSync(line, { cwd: project, shell: '/bin/sh' });
          continue;
        }
        let err = '';
        const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((err += s), true) } } as unknown as { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
        const code = await runCli(argv(line), io);
        process.exitCode = undefined;
        expect({ line, code, err }).toEqual({ line, code: exit, err: expect.any(String) });
        ran.push(line);
      }
    } finally {
      process.chdir(cwd);
    }
    expect(ran.length).toBeGreaterThanOrEqual(12);
  });
});
