import { projectPath, type LoadedConfig } from '../config/config.js';
import { createFileContractResolver } from '../contracts/contract-resolver.js';
import { existsSync } from 'node:fs';
import { VerityError } from '../errors.js';
import type { FeatureView } from '../features/feature-view.js';
import { loadFeatureViews, selectViews } from '../features/load-feature-views.js';
import { getTrainingFrame, stagingRelations } from '../features/offline-retrieval.js';
import { canonicalKey } from '../staging/canonical.js';
import { openDuckDBSession, sqlString } from '../staging/duckdb-session.js';
import { createRetrievalFrameBuilder } from './lake-provenance.js';
import type { FrameRow, TrainingFrameBuilder } from './training-frame-builder.js';

/** Options of {@link createProjectFrameBuilder}. */
export interface ProjectFrameBuilderOptions {
  /** The tenant (default: the config's). */
  tenant?: string;
  /** The lake's durable position, when a lake is open in this process. */
  lastSeq?: () => number;
}

/**
 * The consent purposes each record of `entity` holds now: the newest non-null `consent` of its
 * staging history (a withdrawal applies to every later training set), or undefined when no record of
 * the entity carries consent at all (companies, deals: consent does not apply).
 */
async function currentConsent(lakeDir: string, entity: string, tenant: string): Promise<Map<string, string[]> | undefined> {
  const db = await openDuckDBSession();
  try {
    const rel = await stagingRelations(db, lakeDir)(entity);
    const rows = await db.all(
      `SELECT key, max_by(consent, version) AS consent FROM ${rel} WHERE tenant_id = ${sqlString(tenant)} AND consent IS NOT NULL GROUP BY key`,
    );
    if (rows.length === 0) return undefined;
    return new Map(rows.map((r) => [String(r.key), JSON.parse(String(r.consent)) as string[]]));
  } finally {
    db.close();
  }
}

/**
 * The project's training frame builder: point-in-time retrieval from the feature store over the
 * project's lake, the consent purpose filter, and the provenance a snapshot manifest records
 * (view versions, contract versions, lake files and positions). `verity snapshot create` uses it.
 *
 * Consent: with a `purpose`, a frame row is kept only when its record's current consent includes
 * the purpose; a record with no consent recorded is excluded. Entities that never carry consent
 * (accounts, opportunities) are not filtered. The number excluded is in the manifest.
 */
export function createProjectFrameBuilder(loaded: LoadedConfig, options: ProjectFrameBuilderOptions = {}): TrainingFrameBuilder {
  const lakeDir = projectPath(loaded, loaded.config.lake.dir);
  const tenant = options.tenant ?? loaded.config.tenant;
  let views: FeatureView[] | undefined;
  const viewsNamed = async (names: string[]) => selectViews((views ??= await loadFeatureViews(projectPath(loaded, loaded.config.features.dir))), names);
  return createRetrievalFrameBuilder({
    lakeDir,
    tenant,
    ...(options.lastSeq ? { lastSeq: options.lastSeq } : {}),
    entities: async (names) =>
      [...new Set((await viewsNamed(names)).flatMap((v) => [v.entity, v.source, ...v.features.flatMap((f) => (f.kind === 'aggregate' ? [f.from] : []))]))].sort(),
    contracts: async (names) => {
      const dir = projectPath(loaded, loaded.config.contracts.dir);
      if (!existsSync(dir)) return [];
      const catalog = createFileContractResolver(dir);
      const entities = new Set((await viewsNamed(names)).map((v) => v.entity));
      return [...entities].sort().flatMap((entity) => {
        const v = catalog.validatorFor(entity);
        return v ? [{ entity, version: v.version }] : [];
      });
    },
    async retrieve(frame: FrameRow[], names: string[], buildOptions) {
      const selected = await viewsNamed(names);
      if (selected.length === 0) throw new VerityError('INVALID_ARGUMENT', 'Name at least one feature view (--views a,b).');
      let rows: FrameRow[] = frame;
      let consentExcluded: number | undefined;
      const purpose = typeof buildOptions.purpose === 'string' ? buildOptions.purpose : undefined;
      if (purpose) {
        consentExcluded = 0;
        for (const view of selected) {
          const consent = await currentConsent(lakeDir, view.entity, tenant);
          if (!consent) continue;
          const before = rows.length;
          rows = rows.filter((r) => {
            const key: Record<string, unknown> = {};
            for (const k of view.keys) key[k] = r[k];
            return consent.get(canonicalKey(key))?.includes(purpose) === true;
          });
          consentExcluded += before - rows.length;
        }
      }
      const knowledge = buildOptions.knowledge === 'latest' ? 'latest' : 'as-known';
      const result = await getTrainingFrame(rows, selected, { lakeDir, tenant, knowledge });
      try {
        return {
          rows: await result.rows(),
          columns: result.columns,
          featureColumns: result.featureColumns,
          parameters: { knowledge, ...(purpose ? { purpose } : {}) },
          ...(consentExcluded !== undefined ? { consentExcluded } : {}),
        };
      } finally {
        result.close();
      }
    },
  });
}
