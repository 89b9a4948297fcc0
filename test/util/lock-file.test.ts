import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseLockFile, tryLockFile } from '../../src/util/lock-file.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tmp = useTempDirs('verity-lock-file-');
const DEAD = 2 ** 22 + 12345; // above Linux's pid_max: no such process
const holder = (lock: string) => (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;

describe('lock files', () => {
  it('takes a free lock with its pid inside at once, and reports a live holder', () => {
    const lock = join(tmp(), 'LOCK');
    expect(tryLockFile(lock)).toBe(true);
    expect(holder(lock)).toBe(process.pid);
    releaseLockFile(lock);
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, JSON.stringify({ pid: process.ppid }) + '\n');
    expect(tryLockFile(lock)).toBe(process.ppid);
    expect(holder(lock)).toBe(process.ppid);
  });

  it('takes over a lock left by a dead process, an unreadable one, and one older than staleMs', () => {
    const dir = tmp();
    const lock = join(dir, 'LOCK');
    writeFileSync(lock, JSON.stringify({ pid: DEAD }) + '\n');
    expect(tryLockFile(lock)).toBe(true);
    expect(holder(lock)).toBe(process.pid);
    writeFileSync(lock, '{"pi');
    expect(tryLockFile(lock)).toBe(true);
    writeFileSync(lock, JSON.stringify({ pid: process.ppid }) + '\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(tryLockFile(lock, { staleMs: 120_000 })).toBe(process.ppid);
    expect(tryLockFile(lock, { staleMs: 30_000 })).toBe(true);
    expect(holder(lock)).toBe(process.pid);
    expect(existsSync(`${lock}.takeover`)).toBe(false);
  });

  it('leaves a stale lock alone while another process is taking it over, and clears a guard left by a crash', () => {
    const lock = join(tmp(), 'LOCK');
    writeFileSync(lock, JSON.stringify({ pid: DEAD }) + '\n');
    mkdirSync(`${lock}.takeover`);
    expect(tryLockFile(lock)).toBe(0);
    expect(holder(lock)).toBe(DEAD);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${lock}.takeover`, old, old);
    expect(tryLockFile(lock)).toBe(0); // the stale guard is removed…
    expect(tryLockFile(lock)).toBe(true); // …and the next attempt takes over
    expect(statSync(lock).isFile()).toBe(true);
  });

  it('gives a dead holder’s lock to exactly one of many processes taking it over at once', async () => {
    const dir = tmp();
    const lock = join(dir, 'LOCK');
    for (let round = 0; round < 3; round++) {
      writeFileSync(lock, JSON.stringify({ pid: DEAD }) + '\n');
      const go = join(dir, `go-${round}`);
      let ready = 0;
      const child = () =>
        new Promise<string>((done, fail) => {
          // Each process says it is loaded, spins until the common go, tries until it holds the lock or
          // sees a live holder, then keeps what it got for a while.
          const script = `
            import { existsSync } from 'node:fs';
            import { tryLockFile } from ${JSON.stringify(new URL('../../src/util/lock-file.ts', import.meta.url).href)};
            process.stdout.write('R');
            while (!existsSync(${JSON.stringify(go)})) {}
            let r = 0;
            for (let i = 0; i < 200 && r === 0; i++) r = tryLockFile(${JSON.stringify(lock)});
            process.stdout.write(String(r));
            await new Promise((t) => setTimeout(t, 1000));`;
          const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          p.stdout.on('data', (d) => {
            if (!out && String(d).startsWith('R')) ready++;
            out += d;
            if (ready === 4) writeFileSync(go, '');
          });
          p.stderr.on('data', (d) => (err += d));
          p.on('error', fail);
          p.on('exit', (code) => (code === 0 ? done(out.slice(1)) : fail(new Error(`child exited ${code}: ${err}`))));
        });
      const results = await Promise.all(Array.from({ length: 4 }, child));
      expect(results.filter((r) => r === 'true')).toHaveLength(1);
      expect(results.filter((r) => r !== 'true').every((r) => Number(r) > 0)).toBe(true);
    }
  }, 60_000);
});
