/** Helpers for CLI tests of the provenance commands: a temp project and captured output. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';

/** A fresh project directory with a config file; returns a runner bound to it. */
export function tempProject(config = 'tenant: t01\n') {
  const dir = mkdtempSync(join(tmpdir(), 'verity-prov-'));
  writeFileSync(join(dir, 'verity.config.yaml'), config);
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream,
    };
    process.exitCode = undefined;
    const code = await runCli(['--config', join(dir, 'verity.config.yaml'), ...args], io);
    process.exitCode = undefined;
    return { code, out, err };
  };
  return { dir, run };
}
