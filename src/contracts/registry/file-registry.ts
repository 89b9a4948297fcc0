/**
 * The embedded registry: one JSON file per version under the lake directory
 * (`<lake>/registry/<entity>/<version>.json`), written once with an exclusive create.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, linkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { VerityError } from '../../errors.js';
import { createRegistry, type RegistryOptions } from './create-registry.js';
import type { Registry, RegistryEntry, RegistryStore, SubjectConfig } from './registry.js';

/** Options for {@link createFileRegistry}. */
export interface FileRegistryOptions extends RegistryOptions {
  /** The registry directory, e.g. `.verity/registry`. */
  dir: string;
}

const SAFE = /^[A-Za-z0-9_.+-]+$/;
function safe(part: string, what: string): string {
  if (!SAFE.test(part) || part === '.' || part === '..') throw new VerityError('INVALID_ARGUMENT', `Invalid ${what} "${part}" for the registry: use letters, digits, '.', '_' and '-'.`);
  return part;
}

/**
 * Creates the file-backed registry (the embedded default).
 * @example
 * const registry = createFileRegistry({ dir: '.verity/registry' });
 * await registry.publish(readContractFile('contracts/contact.odcs.yaml'));
 */
export function createFileRegistry(options: FileRegistryOptions): Registry {
  const root = options.dir;
  const entityDir = (entity: string) => join(root, safe(entity, 'entity'));
  const store: RegistryStore = {
    capabilities: { shared: false },
    async list(entity) {
      const dir = entityDir(entity);
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json') && f !== 'config.json')
        .map((f) => {
          try {
            return JSON.parse(readFileSync(join(dir, f), 'utf8')) as RegistryEntry;
          } catch (error) {
            throw new VerityError('INTEGRITY_FAILED', `Registry file ${join(dir, f)} is not valid JSON: ${(error as Error).message}`, { cause: error });
          }
        });
    },
    async insert(entry) {
      const dir = entityDir(entry.entity);
      mkdirSync(dir, { recursive: true });
      const target = join(dir, `${safe(entry.version, 'version')}.json`);
      const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry, null, 2) + '\n', { flag: 'wx' });
      try {
        // link() fails if the target exists: an atomic "create once" for a complete file.
        linkSync(tmp, target);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      } finally {
        unlinkSync(tmp);
      }
    },
    async entities() {
      if (!existsSync(root)) return [];
      return readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    },
    async getConfig(entity) {
      const file = join(entityDir(entity), 'config.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<SubjectConfig>) : undefined;
    },
    async putConfig(entity, config) {
      const dir = entityDir(entity);
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `config.json.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n');
      renameSync(tmp, join(dir, 'config.json'));
    },
    async close() {},
  };
  return createRegistry(store, options);
}
