import { describe, expect, it } from 'vitest';
import { ingestBatchDatasets } from '../../src/lake/lake-lineage.js';

const env = (tenant: string, entity: string, connector: string) => ({
  tenant_id: tenant,
  entity,
  source: { system: 'hubspot', connector },
});

describe('ingestBatchDatasets', () => {
  it('counts rows per source and zone dataset, in first-seen order, however the events interleave', () => {
    const items: Parameters<typeof ingestBatchDatasets>[1] = [
      { input: env('t1', 'contact', '7'), zone: 'raw' },
      { input: env('t1', 'contact', '7'), zone: 'raw' },
      { input: env('t1', 'contact', '7'), zone: 'quarantine' },
      { input: env('t1', 'account', '7'), zone: 'raw' },
      { input: env('t2', 'contact', '7'), zone: 'raw' },
      { input: env('t1', 'contact', '8'), zone: 'raw' },
      { input: env('t1', 'contact', '7'), zone: 'raw' },
      { input: undefined, zone: 'quarantine', tenant: 't1', entity: '_undecodable' },
      { input: undefined, zone: 'quarantine', tenant: 't1', entity: '_undecodable' },
    ];
    const { inputs, outputs } = ingestBatchDatasets('/lake/.verity', items);
    const rows = (list: typeof outputs) =>
      list.map((d) => [d.name, (d.facets?.outputStatistics as { rowCount?: number } | undefined)?.rowCount]);
    expect(inputs.map((d) => [d.namespace, d.name])).toEqual([
      ['hubspot://7', 'contact'],
      ['hubspot://7', 'account'],
      ['hubspot://8', 'contact'],
    ]);
    expect(rows(outputs)).toEqual([
      ['raw.t1.contact', 4],
      ['quarantine.t1.contact', 1],
      ['raw.t1.account', 1],
      ['raw.t2.contact', 1],
      ['quarantine.t1._undecodable', 2],
    ]);
  });
});
