import type { RoutePlugin } from '../server-context.js';

/** `GET /metrics`: Prometheus text exposition of the server's registry. */
export const metricsRoutes: RoutePlugin = async (app, { context }) => {
  app.get('/metrics', async (_request, reply) => {
    const registry = context.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
