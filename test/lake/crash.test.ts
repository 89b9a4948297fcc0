import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import type { ContractResolver } from '../../src/contracts/types.js';
import type { Envelope } from '../../src/envelope.js';
import { crashLead } from './crash-envelopes.js';
import { cleanup, tempDir } from './helpers.js';

afterEach(cleanup);

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Runs the child; calls `killWhen(stdoutSoFar)` on each output chunk and SIGKILLs it when that returns true. */
function runChild(args: string[], killWhen: (out: string) => boolean): Promise<{ out: string; killed: boolean; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (!killed && killWhen(out)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ out, killed, code, err }));
  });
}

const acked = (out: string) => {
  const map = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^ack (\S+) (\d+)$/.exec(line);
    if (m) map.set(m[1]!, Number(m[2]));
  }
  return map;
};

async function rawIds(dir: string): Promise<{ ids: string[]; seqs: number[] }> {
  const lake = await openLake({ dir, readOnly: true });
  const ids: string[] = [];
  const seqs: number[] = [];
  for await (const e of lake.scanRaw()) {
    ids.push(e.event_id);
    seqs.push(e.ingest_seq!);
  }
  await lake.close();
  return { ids, seqs };
}

const strict: ContractResolver = {
  validatorFor: (entity) => ({ entity, version: '1.0.0', keyFields: ['lead_id'], validate: (r) => (r.status === 'qualifed' ? [{ field: 'status', rule: 'enum', message: 'typo' }] : []) }),
};

describe('lake crash recovery (real processes, SIGKILL)', () => {
  it('keeps every acknowledged event exactly once after kill -9, and a resend of everything unacknowledged duplicates nothing', async () => {
    const dir = tempDir();
    const total = 60_000;
    const run = await runChild(['ingest', dir, String(total), '250', '4'], (out) => acked(out).size >= 8_000);
    expect(run.killed).toBe(true);
    const ack = acked(run.out);
    expect(ack.size).toBeGreaterThanOrEqual(8_000);
    expect(ack.size).toBeLessThan(total);

    const before = await rawIds(dir);
    const counts = new Map<string, number>();
    for (const id of before.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, seq] of ack) {
      expect(counts.get(id), id).toBe(1);
      expect(before.seqs[before.ids.indexOf(id)]).toBe(seq);
    }
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (let i = 1; i < before.seqs.length; i++) expect(before.seqs[i]!).toBeGreaterThan(before.seqs[i - 1]!);

    // The sender re-sends everything it has no acknowledgement for (and, to be sure, a few it has).
    const lake = await openLake({ dir, contracts: strict });
    const maxAckedSeq = Math.max(...ack.values());
    const resend: Envelope[] = [];
    for (let i = 0; i < total; i++) if (!ack.has(`evt-${i}`) || i % 1000 === 0) resend.push(crashLead(i));
    const report = await lake.ingest(resend);
    expect(report.quarantined).toBe(0);
    for (const r of report.results) if (r.status === 'accepted') expect(r.ingest_seq!).toBeGreaterThan(maxAckedSeq);
    await lake.close();

    const after = await rawIds(dir);
    expect(after.ids.length).toBe(total);
    expect(new Set(after.ids).size).toBe(total);
    for (let i = 1; i < after.seqs.length; i++) expect(after.seqs[i]!).toBeGreaterThan(after.seqs[i - 1]!);
  });

  it('replays the quarantine exactly once when the replaying process is killed and replay runs again', async () => {
    const dir = tempDir();
    const total = 12_000;
    const q = await runChild(['quarantine', dir, String(total)], () => false);
    expect(q.code, q.err).toBe(0);
    const run = await runChild(['replay', dir], (out) => (out.match(/progress/g) ?? []).length >= 2);
    expect(run.killed).toBe(true);
    const partial = await rawIds(dir);
    expect(partial.ids.length).toBeGreaterThanOrEqual(4_000);
    expect(partial.ids.length).toBeLessThan(total);
    expect(new Set(partial.ids).size).toBe(partial.ids.length);

    const second = await runChild(['replay', dir], () => false);
    expect(second.code, second.err).toBe(0);
    const replayedNow = Number(/done (\d+)/.exec(second.out)![1]);
    expect(replayedNow + partial.ids.length).toBe(total);

    const after = await rawIds(dir);
    expect(after.ids.length).toBe(total);
    expect(new Set(after.ids).size).toBe(total);
    const lake = await openLake({ dir, readOnly: true });
    expect(await lake.quarantine.list()).toEqual([]);
    expect((await lake.quarantine.list({ includeReplayed: true, limit: 100_000 })).every((e) => e.replayed_seq !== null)).toBe(true);
    await lake.close();
  });
});
