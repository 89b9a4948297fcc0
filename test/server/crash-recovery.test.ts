import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import { startServeChild, type VerityChild } from './child/process.js';

const BATCHES = 80;
const PER_BATCH = 50;

/** Batch b of HubSpot contact.propertyChange events, each for its own contact. */
function hubspotBatch(b: number): string {
  const events = [];
  for (let j = 0; j < PER_BATCH; j++) {
    const i = b * PER_BATCH + j;
    events.push({
      eventId: i,
      subscriptionId: 1,
      portalId: 1,
      appId: 1,
      occurredAt: 1772366400000 + i,
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 100000 + i,
      propertyName: 'email',
      propertyValue: `user${i}@example.com`,
      changeSource: 'CRM',
    });
  }
  return JSON.stringify(events);
}

async function send(url: string, b: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/webhooks/hubspot?tenant=t01`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: hubspotBatch(b) });
    await res.arrayBuffer();
    return res.status === 202;
  } catch {
    return false;
  }
}

const dirs: string[] = [];
const children: VerityChild[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('verity serve under kill -9', () => {
  it('keeps every event acknowledged with 202 exactly once after a SIGKILL, restart and re-send of the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-crash-'));
    dirs.push(dir);
    const first = await startServeChild(dir);
    children.push(first);

    // Four concurrent senders stream batches; the server is killed once a quarter are acknowledged.
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < BATCHES) {
        const b = next++;
        if (await send(first.url, b)) acked.add(b);
        if (!killed && acked.size >= BATCHES / 4) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(await first.exited).toBe('SIGKILL');
    const ackedBeforeCrash = new Set(acked);
    expect(ackedBeforeCrash.size).toBeGreaterThanOrEqual(BATCHES / 4);
    expect(ackedBeforeCrash.size).toBeLessThan(BATCHES);

    const second = await startServeChild(dir);
    children.push(second);
    for (let b = 0; b < BATCHES; b++) {
      if (acked.has(b)) continue;
      expect(await send(second.url, b)).toBe(true);
      acked.add(b);
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const lake = await openLake({ dir: join(dir, '.verity') });
    try {
      const seen = new Map<string, number>();
      for await (const e of lake.scanRaw({ tenant_id: 't01' })) seen.set(String(e.entity_key.contact_id), (seen.get(String(e.entity_key.contact_id)) ?? 0) + 1);
      expect(seen.size).toBe(BATCHES * PER_BATCH);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      for (const b of ackedBeforeCrash) expect(seen.get(`con_${100000 + b * PER_BATCH}`)).toBe(1);
    } finally {
      await lake.close();
    }
  });
});
