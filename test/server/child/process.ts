import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./verity-cli.ts', import.meta.url));
// tsx's loader, resolved from this repository so children can run in any cwd.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A CLI child process with its captured output. */
export interface VerityChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Spawns `verity <args>` from source (node --import tsx) in `cwd`. */
export function spawnVerity(args: string[], cwd: string, env: Record<string, string> = {}): VerityChild {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until the child's stdout matches `pattern` and returns the first group. */
export async function waitForOutput(c: VerityChild, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const start = Date.now();
  for (;;) {
    const m = pattern.exec(c.stdout());
    if (m) return m[1] ?? m[0];
    if (c.child.exitCode !== null) throw new Error(`child exited (${c.child.exitCode}) before printing ${pattern}: ${c.stderr()}`);
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${pattern}; stderr: ${c.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `verity --json serve --port 0 …` and returns the child with its URL. */
export async function startServeChild(cwd: string, extra: string[] = []): Promise<VerityChild & { url: string }> {
  const c = spawnVerity(['--json', 'serve', '--port', '0', '--log', 'silent', ...extra], cwd);
  const url = await waitForOutput(c, /"url": "([^"]+)"/);
  return { ...c, url };
}
