import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { capture } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/temp-dirs.js';


const tmp = useTempDirs('verity-cli-');

describe('verity CLI shell', () => {
  it('rejects an unknown command with a one-line error and exit code 2', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err()).toMatch(/unknown command 'frobnicate'/);
    expect(c.err()).not.toMatch(/at .*\.ts/);
  });

  it('rejects an unknown option with exit code 2', async () => {
    const c = capture();
    expect(await runCli(['init', '--nope'], c.io)).toBe(2);
    expect(c.err()).toMatch(/unknown option '--nope'/);
  });

  it('prints the version', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('init scaffolds a project and keeps existing files on a second run', async () => {
    const d = tmp();
    const c = capture();
    expect(await runCli(['--json', 'init', d], c.io)).toBe(0);
    const result = JSON.parse(c.out());
    expect(result.created).toContain('verity.config.yaml');
    expect(existsSync(join(d, 'verity.config.yaml'))).toBe(true);
    const c2 = capture();
    expect(await runCli(['--json', 'init', d], c2.io)).toBe(0);
    expect(JSON.parse(c2.out()).kept).toContain('verity.config.yaml');
  });

  it('reports a malformed config file as a clear error with exit code 78', async () => {
    const d = tmp();
    writeFileSync(join(d, 'verity.config.yaml'), 'lake: [unclosed\n');
    const { loadConfig } = await import('../../src/config/config.js');
    expect(() => loadConfig({ cwd: d })).toThrow(/not valid YAML/);
    writeFileSync(join(d, 'verity.config.yaml'), 'lake:\n  dri: x\n');
    expect(() => loadConfig({ cwd: d })).toThrow(/must NOT have additional properties "dri"/);
    expect(readFileSync(join(d, 'verity.config.yaml'), 'utf8')).toContain('dri');
  });
});
