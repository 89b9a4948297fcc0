import { randomBytes } from 'node:crypto';
import { createNatsBus } from '../../src/bus/nats-bus.js';
import { runBusConformance } from '../conformance/bus.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';

await describeWithServer('nats', 'NATS JetStream bus', () => {
  runBusConformance(
    'nats',
    async () => {
      // A unique stream and subject prefix per test, so parallel files and reruns never collide.
      const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
      const options = { url: SERVERS.nats.url, stream: `VERITY_TEST_${id}`, subjectPrefix: `verity-test.${id}` };
      const bus = createNatsBus(options);
      return {
        bus,
        reopen: () => createNatsBus(options),
        async cleanup() {
          const admin = createNatsBus(options);
          await admin.deleteStream().catch(() => {});
          await admin.close();
          await bus.close();
        },
      };
    },
    { ackWaitMs: 1000 },
  );
});
