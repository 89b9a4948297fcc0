import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { isProcessAlive } from './is-process-alive.js';

/** Options of {@link tryLockFile}. */
export interface LockFileOptions {
  /** A lock older than this (by mtime) is stale even when its pid is alive (a hung holder). Default: never. */
  staleMs?: number;
}

/** A takeover holds its guard for microseconds; one older than this was left by a crash in between. */
const GUARD_STALE_MS = 10_000;

let serial = 0;

/**
 * Tries once to take the lock file `lock` (content `{"pid": N}`): returns `true` when this process
 * now holds it, else the pid of the live process holding it (0 when a takeover is in progress
 * elsewhere: try again shortly).
 *
 * - The lock appears with its content at once (written to a private file, then hard-linked), so a
 *   reader never sees an empty lock and mistakes a live holder for a crashed one.
 * - A lock is stale when its pid is dead or this process's own (a holder that did not release),
 *   its content unreadable (a leftover of no live writer), or it is older than `staleMs`.
 * - A stale lock is removed only under a takeover guard (`<lock>.takeover`, an atomic mkdir), and
 *   only if it is still the very file judged stale (same inode and content): two processes taking
 *   over the same dead holder's lock can never remove each other's fresh lock.
 */
export function tryLockFile(lock: string, options: LockFileOptions = {}): true | number {
  const mine = `${lock}.${process.pid}.${++serial}`;
  writeFileSync(mine, JSON.stringify({ pid: process.pid }) + '\n');
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, lock);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const seen = inspect(lock);
      if (!seen) continue; // released meanwhile: try again
      const stale = seen.pid <= 0 || seen.pid === process.pid || !isProcessAlive(seen.pid) || (options.staleMs !== undefined && seen.ageMs >= options.staleMs);
      if (!stale) return seen.pid;
      if (!removeIfUnchanged(lock, seen)) return 0;
    }
    return 0;
  } finally {
    removeIfPresent(mine);
  }
}

/** Removes the lock file (the holder's release). */
export function releaseLockFile(lock: string): void {
  removeIfPresent(lock);
}

/** Deletes a file if it exists (a plain unlink: `rmSync`'s extra stat and checks cost more than taking the lock itself). */
function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

interface Seen {
  ino: number;
  content: string;
  pid: number;
  ageMs: number;
}

function inspect(lock: string): Seen | undefined {
  try {
    const st = statSync(lock);
    const content = readFileSync(lock, 'utf8');
    let pid = 0;
    try {
      pid = Number((JSON.parse(content) as { pid?: unknown }).pid) || 0;
    } catch {
      // unparsable content cannot come from a live holder (the lock appears with its content): stale
    }
    return { ino: st.ino, content, pid, ageMs: Date.now() - st.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes `lock` under the takeover guard if it is still the file judged stale; false when another process is taking over. */
function removeIfUnchanged(lock: string, judged: Seen): boolean {
  const guard = `${lock}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmdirSync(guard);
    } catch {
      // removed meanwhile
    }
    return false;
  }
  try {
    const now = inspect(lock);
    if (now && now.ino === judged.ino && now.content === judged.content) rmSync(lock, { force: true });
    return true;
  } finally {
    rmdirSync(guard);
  }
}
