import { createMemoryBus } from '../../src/bus/memory-bus.js';
import { runBusConformance } from '../conformance/bus.js';

runBusConformance(
  'memory',
  async () => {
    const bus = createMemoryBus();
    return { bus, cleanup: () => bus.close() };
  },
  { ackWaitMs: 100 },
);
