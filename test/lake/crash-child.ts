/**
 * A child process for the crash tests: it writes to a lake and prints what was acknowledged, so
 * the parent can SIGKILL it at any moment and check the lake against those acknowledgements.
 *
 *   ingest <dir> <total> <batch> <concurrency>: ingests lead envelopes evt-0..evt-<total-1> in
 *     batches, several batches in flight at once (group commit), and prints `ack <event_id> <seq>`
 *     for each event once its ingest call resolved.
 *   quarantine <dir> <total>: ingests <total> leads with an invalid status (all quarantined).
 *   replay <dir>: prints `start`, then replays the quarantine with a lenient resolver and prints `done <n>`.
 */
import { openLake } from '../../src/lake/lake.js';
import type { ContractResolver } from '../../src/contracts/types.js';
import type { Envelope } from '../../src/envelope.js';
import { crashLead } from './crash-envelopes.js';

const [mode, dir, a, b, c] = process.argv.slice(2);

const strict: ContractResolver = {
  validatorFor: (entity) => ({ entity, version: '1.0.0', keyFields: ['lead_id'], validate: (r) => (r.status === 'qualifed' ? [{ field: 'status', rule: 'enum', message: 'typo' }] : []) }),
};
const lenient: ContractResolver = { validatorFor: (entity) => ({ entity, version: '2.0.0', keyFields: ['lead_id'], validate: () => [] }) };

async function main(): Promise<void> {
  if (!dir) throw new Error('usage: crash-child <mode> <dir> ...');
  if (mode === 'ingest') {
    const total = Number(a);
    const batch = Number(b);
    const concurrency = Number(c);
    const lake = await openLake({ dir, contracts: strict, maxSegmentBytes: 256 * 1024 });
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const start = next;
        next = Math.min(total, next + batch);
        const envelopes: Envelope[] = [];
        for (let i = start; i < next; i++) envelopes.push(crashLead(i));
        const report = await lake.ingest(envelopes);
        process.stdout.write(report.results.map((r) => `ack ${r.event_id} ${r.ingest_seq ?? 0}\n`).join(''));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    process.stdout.write('finished\n');
    await lake.close();
  } else if (mode === 'quarantine') {
    const lake = await openLake({ dir, contracts: strict });
    const total = Number(a);
    for (let i = 0; i < total; i += 1000) {
      const envelopes: Envelope[] = [];
      for (let j = i; j < Math.min(total, i + 1000); j++) envelopes.push(crashLead(j, 'qualifed'));
      await lake.ingest(envelopes);
    }
    await lake.close();
  } else if (mode === 'replay') {
    const lake = await openLake({ dir, contracts: lenient });
    process.stdout.write('start\n');
    const report = await lake.quarantine.replay({}, { onProgress: (done) => process.stdout.write(`progress ${done}\n`) });
    process.stdout.write(`done ${report.replayed}\n`);
    await lake.close();
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(String((error as Error).stack ?? error) + '\n');
  process.exit(1);
});
