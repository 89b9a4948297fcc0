/**
 * Opens the registry a project's configuration names (files under the lake dir, or PostgreSQL).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VerityError } from '../../errors.js';
import { contractFromDocument, readContractFile } from '../read-contract.js';
import type { Contract } from '../contract-model.js';
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

/**
 * Reads a contract named on the command line: a file path, or `entity@version` (or `entity@latest`)
 * from the project's registry.
 * @example
 * await readContractArgument('contact@1.0.0', loadConfig()); // the published 1.0.0
 */
export async function readContractArgument(argument: string, loaded: () => LoadedConfig): Promise<Contract> {
  if (existsSync(argument)) return readContractFile(argument);
  const m = /^([A-Za-z0-9_.-]+)@([0-9A-Za-z.+-]+)$/.exec(argument);
  if (!m) throw new VerityError('NOT_FOUND', `"${argument}" is neither a contract file nor a registry reference like contact@1.0.0 or contact@latest.`);
  const registry = openConfiguredRegistry(loaded());
  try {
    const entry = await registry.get(m[1]!, m[2] === 'latest' ? undefined : m[2]);
    if (!entry) throw new VerityError('NOT_FOUND', `The registry has no ${m[1]}@${m[2]}; list versions by publishing first (\`verity contract publish\`).`);
    return contractFromDocument(entry.document);
  } finally {
    await registry.close();
  }
}
