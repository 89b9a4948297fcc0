import { existsSync } from 'node:fs';
import { projectPath, type LoadedConfig } from '../config/config.js';
import { openFeatureServices, type FeatureServices } from '../features/feature-services.js';
import { withMaterialization } from '../features/materialize-on-ingest.js';
import { createMaterializer, type Materializer } from '../features/materializer.js';
import type { Lake } from '../lake/types.js';
import { createFeatureRoutes } from './routes/features.js';
import type { RoutePlugin } from './server-context.js';

/** What `verity serve` mounts for features: the lookup route and the ingest hook. */
export interface FeatureServing {
  plugins: RoutePlugin[];
  /** Wraps the lake so accepted envelopes reach the online store before the sender's 202. */
  wrapLake(lake: Lake): Lake;
  services: FeatureServices;
  close(): Promise<void>;
}

/**
 * Feature serving for `verity serve`: `POST /v1/features/online` over the configured online store
 * (lookups logged for parity) and the continuous materialization hook on the ingest path. Undefined
 * when the project defines no feature views (no `features/` directory or no views in it).
 */
export async function createFeatureServing(loaded: LoadedConfig, options: { onError?: (error: unknown) => void } = {}): Promise<FeatureServing | undefined> {
  const dir = projectPath(loaded, loaded.config.features.dir);
  if (!existsSync(dir)) return undefined;
  const services = await openFeatureServices(loaded);
  if (services.views.length === 0) {
    await services.close();
    return undefined;
  }
  const materializers: Materializer[] = [];
  return {
    services,
    plugins: [createFeatureRoutes({ store: services.store, views: services.views, log: services.log })],
    wrapLake: (lake) => {
      // The continuous path reports itself as one STREAMING lineage run, completed at close.
      const materializer = createMaterializer({ lakeDir: services.lakeDir, source: lake, store: services.store, views: services.views, lineage: services.lineage });
      materializers.push(materializer);
      return withMaterialization(lake, materializer, options.onError);
    },
    close: async () => {
      for (const m of materializers.splice(0)) await m.close();
      await services.close();
    },
  };
}
