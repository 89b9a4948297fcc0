/**
 * Opens the registry a project's configuration names (files under the lake dir, or PostgreSQL).
 */
import { join } from 'node:path';
import type { LoadedConfig } from '../../config/config.js';
import { projectPath } from '../../config/config.js';
import { createFileRegistry } from './file-registry.js';
import { createPostgresRegistry } from './postgres-registry.js';
import type { RegistryOptions } from './create-registry.js';
import type { Registry } from './registry.js';

/** Opens the configured registry: `registry.type: files` → `<lake dir>/registry`, `postgres` → that database. */
export function openConfiguredRegistry(loaded: LoadedConfig, options: RegistryOptions = {}): Registry {
  const r = loaded.config.registry;
  if (r.type === 'postgres') return createPostgresRegistry({ url: r.url, ...options });
  return createFileRegistry({ dir: join(projectPath(loaded, loaded.config.lake.dir), 'registry'), ...options });
}
