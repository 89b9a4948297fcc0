import { join } from 'node:path';
import { projectPath, type LoadedConfig } from '../config/config.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import { projectLineageEmitter } from '../lineage/project-lineage.js';
import type { FeatureView } from './feature-view.js';
import { loadFeatureViews, selectViews } from './load-feature-views.js';
import { createServingLog, type ServingLog } from './online-features.js';
import type { OnlineStore } from './online-store.js';
import { createMemoryOnlineStore } from './online-stores/memory-online-store.js';
import { createRedisOnlineStore } from './online-stores/redis-online-store.js';

/** A project's feature store pieces, as the CLI, the server and the demo use them. */
export interface FeatureServices {
  lakeDir: string;
  views: FeatureView[];
  store: OnlineStore;
  log: ServingLog;
  logFile: string;
  /** The project's lineage emitter (staging builds and materializations report to it). */
  lineage: LineageEmitter;
  close(): Promise<void>;
}

/** Where a lake keeps the serving log. */
export function servingLogPath(lakeDir: string): string {
  return join(lakeDir, 'features', 'serving-log.ndjson');
}

/**
 * Opens a project's feature store from its configuration: the views in `features.dir` (all, or
 * `viewNames`), the configured online store (memory, persisted under `<lake>/online/`; or Redis,
 * keys prefixed `verity:<tenant>:fs:`, with a near cache of `nearCacheRows` rows), and the serving log under `<lake>/features/`.
 */
export async function openFeatureServices(loaded: LoadedConfig, options: { viewNames?: string[] } = {}): Promise<FeatureServices> {
  const { config } = loaded;
  const lakeDir = projectPath(loaded, config.lake.dir);
  const views = selectViews(await loadFeatureViews(projectPath(loaded, config.features.dir)), options.viewNames);
  const store =
    config.onlineStore.type === 'redis'
      ? createRedisOnlineStore({
          url: config.onlineStore.url,
          keyPrefix: `verity:${config.tenant}:fs:`,
          nearCache: config.onlineStore.nearCacheRows === 0 ? false : { maxRows: config.onlineStore.nearCacheRows ?? 10_000 },
        })
      : createMemoryOnlineStore({ dir: join(lakeDir, 'online') });
  const logFile = servingLogPath(lakeDir);
  const log = createServingLog(logFile);
  const close = async () => {
    await log.flush();
    await store.close();
  };
  return { lakeDir, views, store, log, logFile, lineage: projectLineageEmitter(loaded), close };
}
