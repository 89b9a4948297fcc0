import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { VerityError } from '../errors.js';

/** The names a project configuration file may have, in the order they are looked for. */
export const CONFIG_FILE_NAMES = ['verity.config.yaml', 'verity.config.yml', 'verity.config.json'] as const;

/** A Verity project's configuration (`verity.config.yaml`). Paths are relative to the project root. */
export interface VerityConfig {
  /** Default tenant for commands that do not name one. */
  tenant: string;
  /** Where the event lake lives (default `.verity`). */
  lake: { dir: string; compaction?: { maxRows?: number } };
  /** Where the ODCS contracts live (default `contracts`). */
  contracts: { dir: string };
  /** Where feature views are defined (default `features`). */
  features: { dir: string };
  /** The contract registry: files in the project (default) or PostgreSQL. */
  registry: { type: 'files' } | { type: 'postgres'; url: string };
  /** The online feature store: in-process (default, persisted in the lake dir) or Redis. */
  onlineStore: { type: 'memory' } | { type: 'redis'; url: string; /** Rows the near cache keeps (default 10000; 0 turns it off). */ nearCacheRows?: number };
  /** The ingest bus: in-process (default) or NATS JetStream. */
  bus: { type: 'none' } | { type: 'nats'; url: string; stream?: string };
  /** The audit log: files (default) or PostgreSQL. */
  audit: { type: 'files' } | { type: 'postgres'; url: string };
  /** Where OpenLineage events go: an NDJSON file (default) and optionally an HTTP endpoint. */
  lineage: { file: string; url?: string; namespace: string };
  /** The HTTP server. */
  server: { host: string; port: number; bodyLimitBytes: number };
  /** Signing key for snapshots and tree heads. */
  keys: { privateKeyFile?: string; privateKeyEnv?: string; publicKeyFile?: string };
  /** Shared secrets for webhook signatures, by source. Values may be `env:NAME` to read an environment variable. */
  secrets: { hubspot?: string; debezium?: string; salesforce?: string };
}

/** A loaded configuration with the project root it belongs to. */
export interface LoadedConfig {
  root: string;
  /** The file it was read from, or undefined when defaults are used. */
  file: string | undefined;
  config: VerityConfig;
}

/** The defaults every project starts from. */
export function defaultConfig(): VerityConfig {
  return {
    tenant: 'default',
    lake: { dir: '.verity' },
    contracts: { dir: 'contracts' },
    features: { dir: 'features' },
    registry: { type: 'files' },
    onlineStore: { type: 'memory' },
    bus: { type: 'none' },
    audit: { type: 'files' },
    lineage: { file: '.verity/lineage/events.ndjson', namespace: 'verity' },
    server: { host: '127.0.0.1', port: 8787, bodyLimitBytes: 5 * 1024 * 1024 },
    keys: { privateKeyFile: '.verity/keys/signing.key.pem', publicKeyFile: '.verity/keys/signing.pub.pem' },
    secrets: {},
  };
}

const urlBackend = (types: string[]) => ({
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: { type: { enum: types }, url: { type: 'string', minLength: 1 }, stream: { type: 'string' } },
  if: { properties: { type: { not: { const: types[0] } } } },
  then: { required: ['type', 'url'] },
});

const withProperties = (schema: ReturnType<typeof urlBackend>, extra: Record<string, object>) => ({ ...schema, properties: { ...schema.properties, ...extra } });

const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tenant: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    lake: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        compaction: { type: 'object', additionalProperties: false, properties: { maxRows: { type: 'integer', minimum: 1 } } },
      },
    },
    contracts: { type: 'object', additionalProperties: false, properties: { dir: { type: 'string', minLength: 1 } } },
    features: { type: 'object', additionalProperties: false, properties: { dir: { type: 'string', minLength: 1 } } },
    registry: urlBackend(['files', 'postgres']),
    onlineStore: withProperties(urlBackend(['memory', 'redis']), { nearCacheRows: { type: 'integer', minimum: 0, maximum: 10_000_000 } }),
    bus: urlBackend(['none', 'nats']),
    audit: urlBackend(['files', 'postgres']),
    lineage: {
      type: 'object',
      additionalProperties: false,
      properties: { file: { type: 'string' }, url: { type: 'string' }, namespace: { type: 'string', minLength: 1 } },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string' },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 1073741824 },
      },
    },
    keys: {
      type: 'object',
      additionalProperties: false,
      properties: { privateKeyFile: { type: 'string' }, privateKeyEnv: { type: 'string' }, publicKeyFile: { type: 'string' } },
    },
    secrets: {
      type: 'object',
      additionalProperties: false,
      properties: { hubspot: { type: 'string' }, debezium: { type: 'string' }, salesforce: { type: 'string' } },
    },
  },
} as const;

const validateConfig = new Ajv({ allErrors: true }).compile(CONFIG_SCHEMA);

/** Finds the project root: the nearest directory at or above `start` holding a config file. */
export function findProjectRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (CONFIG_FILE_NAMES.some((n) => existsSync(join(dir, n)))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Loads and validates a project's configuration.
 *
 * With `file`, reads that file; otherwise looks for `verity.config.{yaml,yml,json}` at or above
 * `cwd`, and falls back to the defaults rooted at `cwd` when there is none.
 * @throws VerityError CONFIG_INVALID when the file is malformed or has unknown or wrongly typed keys.
 */
export function loadConfig(options: { cwd?: string; file?: string } = {}): LoadedConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  let file: string | undefined;
  if (options.file) {
    file = resolve(cwd, options.file);
    if (!existsSync(file)) throw new VerityError('CONFIG_INVALID', `Config file ${file} does not exist.`);
  } else {
    const root = findProjectRoot(cwd);
    if (root) file = join(root, CONFIG_FILE_NAMES.find((n) => existsSync(join(root, n)))!);
  }
  if (!file) return { root: cwd, file: undefined, config: defaultConfig() };
  if (statSync(file).size > 1024 * 1024) throw new VerityError('CONFIG_INVALID', `Config file ${file} is larger than 1 MiB.`);
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new VerityError('CONFIG_INVALID', `Config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (raw === null || raw === undefined) raw = {};
  if (!validateConfig(raw)) {
    const first = validateConfig.errors![0]!;
    const where = first.instancePath || '(top level)';
    const extra = first.keyword === 'additionalProperties' ? ` "${(first.params as { additionalProperty: string }).additionalProperty}"` : '';
    throw new VerityError('CONFIG_INVALID', `Config file ${file}: ${where} ${first.message}${extra}. See docs/configuration.md.`, {
      details: validateConfig.errors,
    });
  }
  const base = defaultConfig();
  const user = raw as Partial<VerityConfig>;
  const config: VerityConfig = {
    ...base,
    ...user,
    lake: { ...base.lake, ...user.lake },
    contracts: { ...base.contracts, ...user.contracts },
    features: { ...base.features, ...user.features },
    lineage: { ...base.lineage, ...user.lineage },
    server: { ...base.server, ...user.server },
    keys: { ...base.keys, ...user.keys },
    secrets: { ...base.secrets, ...user.secrets },
  };
  return { root: dirname(file), file, config };
}

/** Resolves a path from the config against the project root. */
export function projectPath(loaded: LoadedConfig, path: string): string {
  return resolve(loaded.root, path);
}

/** Resolves a secret value: `env:NAME` reads the environment variable NAME. */
export function resolveSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('env:')) return process.env[value.slice(4)];
  return value;
}
