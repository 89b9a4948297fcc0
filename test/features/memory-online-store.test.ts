import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';
import { onlineStoreConformance } from '../conformance/online-store.js';

const dir = mkdtempSync(join(tmpdir(), 'verity-online-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('memory online store (conformance)', () => {
  // A shared store per harness: handles on the same data are the same persisted directory.
  onlineStoreConformance({ open: async () => createMemoryOnlineStore({ dir, snapshotEvery: 50 }) });
});

describe('memory online store', () => {
  it('ignores a torn last journal line after a crash', async () => {
    const d = join(dir, 'torn');
    const s = createMemoryOnlineStore({ dir: d });
    await s.write([{ tenant: 't', view: 'v', key: '["k"]', cells: { x: { value: 1, event_time: 1, ingest_seq: 1 } } }]);
    appendFileSync(join(d, 'journal.ndjson'), '["t\\u0000v\\u0000[\\"k\\"]","x",{"val');
    const again = createMemoryOnlineStore({ dir: d });
    expect((await again.read('t', 'v', ['["k"]']))[0]!.x!.value).toBe(1);
  });
});
