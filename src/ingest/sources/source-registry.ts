import { VerityError } from '../../errors.js';
import type { Source } from '../source.js';
import { createDebeziumSource, type DebeziumSourceOptions } from './debezium-source.js';
import { createEnvelopeSource, type EnvelopeSourceOptions } from './envelope-source.js';
import { createFileSource, type FileSourceOptions } from './file-source.js';
import { createHubSpotWebhookSource, type HubSpotWebhookSourceOptions } from './hubspot-webhook-source.js';
import { createSalesforceCdcSource, type SalesforceCdcSourceOptions } from './salesforce-cdc-source.js';

/** Every source name {@link createSource} knows, as used by `verity ingest --source` and the server. */
export const SOURCE_NAMES = ['hubspot', 'salesforce', 'debezium', 'ndjson', 'csv', 'parquet', 'verity'] as const;

/** One of {@link SOURCE_NAMES}. */
export type SourceName = (typeof SOURCE_NAMES)[number];

/** The options each named source takes. */
export interface SourceOptionsByName {
  hubspot: HubSpotWebhookSourceOptions;
  salesforce: SalesforceCdcSourceOptions;
  debezium: DebeziumSourceOptions;
  ndjson: Omit<FileSourceOptions, 'format'>;
  csv: Omit<FileSourceOptions, 'format'>;
  parquet: Omit<FileSourceOptions, 'format'>;
  verity: EnvelopeSourceOptions;
}

/** True when `name` is one of {@link SOURCE_NAMES}. */
export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

/**
 * Creates a source by name. `ndjson` and `csv` need `{ entity }` (files do not say which entity
 * they hold); the others work with no options.
 * @example
 * const source = createSource('ndjson', { entity: 'activity' });
 */
export function createSource<N extends SourceName>(name: N, ...rest: N extends 'ndjson' | 'csv' | 'parquet' ? [options: SourceOptionsByName[N]] : [options?: SourceOptionsByName[N]]): Source;
export function createSource(name: string, options?: Record<string, unknown>): Source;
export function createSource(name: string, options: Record<string, unknown> = {}): Source {
  switch (name) {
    case 'hubspot':
      return createHubSpotWebhookSource(options);
    case 'salesforce':
      return createSalesforceCdcSource(options);
    case 'debezium':
      return createDebeziumSource(options);
    case 'ndjson':
    case 'csv':
    case 'parquet':
      if (typeof options.entity !== 'string') throw new VerityError('USAGE', `Source "${name}" needs an entity: pass --entity <entity> (e.g. --entity activity).`);
      return createFileSource({ ...(options as unknown as Omit<FileSourceOptions, 'format'>), format: name });
    case 'verity':
      return createEnvelopeSource(options);
    default:
      throw new VerityError('USAGE', `Unknown source "${String(name).slice(0, 40)}". Choose one of: ${SOURCE_NAMES.join(', ')}.`);
  }
}
