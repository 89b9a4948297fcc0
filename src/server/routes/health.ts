import type { RoutePlugin } from '../server-context.js';

/** `GET /healthz` (the process is up) and `GET /readyz` (the lake is open or the bus connected, and not draining). */
export const healthRoutes: RoutePlugin = async (app, { context }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = context.notReadyReason();
    if (reason) return reply.code(503).send({ status: 'unavailable', reason });
    return { status: 'ready', mode: context.bus ? `bus:${context.bus.name}` : 'lake' };
  });
};
