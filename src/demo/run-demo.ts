import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, projectPath } from '../config/config.js';
import { VerityError } from '../errors.js';
import { generate, type GenerateReport } from '../generator/generate.js';
import { ingestFiles, type IngestFilesReport } from '../ingest/ingest-files.js';
import { lintContractText } from '../contracts/lint-contract.js';
import { createFileContractResolver } from '../contracts/contract-resolver.js';
import { openProjectLake } from '../project/project-lake.js';
import { initProject } from '../project/init.js';
import { startServer } from '../server/start-server.js';
import { createSource } from '../ingest/sources/source-registry.js';
import type { Source } from '../ingest/source.js';
import type { LakeStats, ReplayReport } from '../lake/types.js';
import { postEventBatches, postRecordedDeliveries, type PostReport } from './demo-ingest.js';
import { openProjectProvenance } from '../audit/project-provenance.js';
import { openFeatureServices } from '../features/feature-services.js';
import { runFeatureDemo, type FeatureDemoReport } from '../features/feature-demo.js';
import { createProjectFrameBuilder } from '../snapshots/project-frame-builder.js';
import { createProjectSnapshot, verifyProjectSnapshot } from '../snapshots/project-snapshots.js';

/** Marks a directory as the demo's own, so a second run may wipe and reuse it. */
const MARKER = '.verity-demo';
/** The secret the demo's generated HubSpot deliveries are signed with. */
const DEMO_HUBSPOT_SECRET = 'verity-demo-secret';
/** The URL the generated HubSpot deliveries were signed for (v3 signatures cover the URL). */
const DEMO_PUBLIC_URL = 'http://127.0.0.1:8787';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Directory to run in (created; a previous demo directory is wiped first). */
  dir: string;
  seed?: number;
  /** Called as each step starts. */
  onStep?: (step: string) => void;
}

/** How well the gate's quarantine matched the generator's ground truth. */
export interface DetectionScore {
  /** Contract-level defects injected (record and schema layers), distinct events. */
  injected: number;
  /** Of those, how many were quarantined. */
  detected: number;
  recall: number;
  /** Quarantined events that the ground truth does not name at all. */
  falsePositives: number;
}

/** Everything the demo did, for the report. */
export interface DemoReport {
  dir: string;
  generated: Pick<GenerateReport, 'events' | 'deliveries' | 'duplicates' | 'signals'> & { defects: Record<string, number> };
  contracts: { files: number; findings: number };
  ingest: { http: Record<string, PostReport>; files: Record<string, Omit<IngestFilesReport, 'signals'> & { signals: number }> };
  quarantineByReason: Record<string, number>;
  detection: DetectionScore;
  contractFix: { contract: string; replay: Pick<ReplayReport, 'examined' | 'replayed' | 'stillQuarantined'> };
  lake: Pick<LakeStats, 'lastSeq' | 'totals' | 'files' | 'eventIds'> & { parquetFiles: number };
  features: {
    views: Array<{ name: string; version: string }>;
    staging: { entities: number; rows: number };
    materialized: number;
    lookup: FeatureDemoReport['lookup'];
    training: FeatureDemoReport['training'];
  };
  snapshot: { name: string; id: string; version: number; rows: number; consentExcluded: number | undefined; verified: boolean; dir: string };
  audit: { treeSize: number; rootHash: string; signed: boolean };
  lineageFile: string;
  seconds: number;
}

function prepareDir(dir: string): string {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    if (!existsSync(join(target, MARKER)))
      throw new VerityError('INVALID_ARGUMENT', `${target} is not empty and was not made by \`verity demo\`; pass --dir with a new directory.`);
    rmSync(target, { recursive: true, force: true });
  }
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, MARKER), 'made by verity demo; safe to delete\n');
  return target;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/**
 * The main job: in a fresh directory, initialises a project, generates a small dirty CRM data set,
 * ingests it through the HTTP webhooks and through files, checks the quarantine against the
 * generator's ground truth, fixes a contract and replays the quarantine, compacts the lake, and
 * returns a report of every step.
 * @example
 * const report = await runDemo({ dir: 'verity-demo' });
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const step = options.onStep ?? (() => {});
  const dir = prepareDir(options.dir);

  step('init');
  initProject(dir);
  const loaded = loadConfig({ cwd: dir });

  step('generate');
  const data = join(dir, 'data');
  const gen = await generate({ out: data, seed: options.seed ?? 7, accounts: 30, contacts: 200, days: 14, hubspotSecret: DEMO_HUBSPOT_SECRET });
  const tenant = gen.tenants[0]!;
  const tenantDir = join(data, 'tenants', tenant);

  step('contracts');
  const contractsDir = join(dir, 'contracts');
  const contractFiles = readdirSync(contractsDir).filter((f) => f.endsWith('.odcs.yaml'));
  let findings = 0;
  for (const f of contractFiles) findings += lintContractText(readFileSync(join(contractsDir, f), 'utf8'), f).filter((x) => x.severity === 'error').length;

  step('ingest over HTTP');
  const http: Record<string, PostReport> = {};
  let clock = new Date(0);
  const previousSecret = process.env.VERITY_HUBSPOT_SECRET;
  process.env.VERITY_HUBSPOT_SECRET = DEMO_HUBSPOT_SECRET;
  const contracts = createFileContractResolver(contractsDir);
  const provenance = await openProjectProvenance(loaded, { generateKey: true });
  const server = await startServer({
    audit: provenance.audit,
    lineage: provenance.lineage,
    config: loaded,
    port: 0,
    host: '127.0.0.1',
    publicBaseUrl: DEMO_PUBLIC_URL,
    now: () => clock,
    contracts,
  });
  try {
    http.hubspot = await postRecordedDeliveries(join(tenantDir, 'hubspot', 'deliveries.ndjson'), server.url, (t) => (clock = t));
    clock = new Date();
    http.salesforce = await postEventBatches(join(tenantDir, 'salesforce', 'events.ndjson'), `${server.url}/v1/webhooks/salesforce?tenant=${tenant}`);
  } finally {
    await server.close();
    if (previousSecret === undefined) delete process.env.VERITY_HUBSPOT_SECRET;
    else process.env.VERITY_HUBSPOT_SECRET = previousSecret;
  }

  step('ingest files');
  const { lake, contracts: catalog } = await openProjectLake(loaded, { actor: 'verity demo', audit: provenance.audit, lineage: provenance.lineage });
  try {
    const files: DemoReport['ingest']['files'] = {};
    const runFiles = async (name: string, source: Source, path: string) => {
      const r = await ingestFiles({ paths: [path], source, target: lake, tenant_id: tenant });
      files[name] = { ...r, signals: r.signals.length };
    };
    await runFiles('debezium', createSource('debezium'), join(tenantDir, 'debezium', 'events.ndjson'));
    await runFiles('activity file', createSource('ndjson', { entity: 'activity' }), join(tenantDir, 'files', 'activity.ndjson'));

    step('quarantine');
    const quarantined = await lake.quarantine.list({ tenant_id: tenant, limit: 1_000_000 });
    const quarantineByReason: Record<string, number> = {};
    for (const q of quarantined) addCounts(quarantineByReason, Object.fromEntries(q.reasons.map((r) => [r, 1])));
    const detection = scoreDetection(join(data, 'ground-truth.ndjson'), new Set(quarantined.map((q) => q.event_id).filter((x): x is string => !!x)));

    step('contract fix and replay');
    copyFileSync(join(contractsDir, 'next', 'contact.odcs.yaml'), join(contractsDir, 'contact.odcs.yaml'));
    catalog?.reload();
    const replay = await lake.quarantine.replay({ tenant_id: tenant, entity: 'contact' });

    step('compact');
    const compaction = await lake.compact();
    const stats = await lake.stats();

    step('features');
    const services = await openFeatureServices(loaded);
    let featureReport: FeatureDemoReport;
    try {
      featureReport = await runFeatureDemo({
        lakeDir: lake.dir,
        source: lake,
        views: services.views,
        store: services.store,
        tenant,
        out: join(dir, 'train.parquet'),
        log: services.log,
        lineage: provenance.lineage,
      });
    } finally {
      await services.close();
    }

    step('snapshot');
    // Labels for the snapshot: the feature demo's frame (each contact at its newest event) with a
    // label column; the snapshot rebuilds the features point-in-time and keeps only contacts who
    // consented to model training.
    const frameRows = await lake.query(
      `SELECT json_extract_string(entity_key, '$.contact_id') AS contact_id, strftime(max(event_time), '%Y-%m-%dT%H:%M:%S.000Z') AS timestamp,
              CAST(max(CASE WHEN json_extract_string(payload, '$.lifecycle_stage') IN ('opportunity', 'customer') THEN 1 ELSE 0 END) AS INTEGER) AS label
         FROM raw_events WHERE tenant_id = '${tenant}' AND entity = 'contact' GROUP BY 1 ORDER BY 1 LIMIT 150`,
    );
    const labels = join(dir, 'labels.csv');
    writeFileSync(labels, ['contact_id,timestamp,label', ...frameRows.map((r) => `${String(r.contact_id)},${String(r.timestamp)},${String(r.label)}`)].join('\n') + '\n');
    const viewName = featureReport.training.view;
    const snap = await createProjectSnapshot(loaded, {
      name: 'demo-training',
      frame: labels,
      views: [viewName],
      purpose: 'model_training',
      actor: 'verity demo',
      ...(provenance.signer ? { signer: provenance.signer } : {}),
      audit: provenance.audit,
      lineage: provenance.lineage,
      builder: createProjectFrameBuilder(loaded, { tenant, lastSeq: () => lake.lastSeq() }),
    });
    const verification = await verifyProjectSnapshot(loaded, snap.id);
    const head = await provenance.audit.head();

    return {
      dir,
      generated: {
        events: gen.events,
        deliveries: gen.deliveries,
        duplicates: gen.duplicates,
        signals: gen.signals,
        defects: Object.fromEntries(Object.entries(gen.defects).map(([k, v]) => [k, v.count])),
      },
      contracts: { files: contractFiles.length, findings },
      ingest: { http, files },
      quarantineByReason,
      detection,
      contractFix: { contract: 'contact 1.0.0 → 1.1.0 (adds optional linkedin_url)', replay: { examined: replay.examined, replayed: replay.replayed, stillQuarantined: replay.stillQuarantined } },
      lake: { lastSeq: stats.lastSeq, totals: stats.totals, files: stats.files, eventIds: stats.eventIds, parquetFiles: compaction.files.length },
      features: {
        views: services.views.map((v) => ({ name: v.name, version: v.version })),
        staging: { entities: new Set(featureReport.staging.files.map((f) => f.split('/')[1])).size, rows: featureReport.staging.events },
        materialized: featureReport.materialize.views.reduce((n, v) => n + v.cells.applied, 0),
        lookup: featureReport.lookup,
        training: featureReport.training,
      },
      snapshot: {
        name: snap.name,
        id: snap.id,
        version: snap.version,
        rows: snap.manifest.data.rows,
        consentExcluded: snap.manifest.consent.excluded_rows ?? undefined,
        verified: verification.valid,
        dir: snap.path,
      },
      audit: { treeSize: head.tree_size, rootHash: head.root_hash, signed: head.envelope !== undefined },
      lineageFile: projectPath(loaded, loaded.config.lineage.file),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await lake.close();
    await provenance.close();
  }
}

const CONTRACT_LAYERS = new Set(['record', 'schema']);

function scoreDetection(groundTruthPath: string, quarantined: Set<string>): DetectionScore {
  const expected = new Set<string>();
  const named = new Set<string>();
  for (const line of readFileSync(groundTruthPath, 'utf8').split('\n')) {
    if (!line) continue;
    const g = JSON.parse(line) as { event_id: string; layer: string };
    named.add(g.event_id);
    if (CONTRACT_LAYERS.has(g.layer)) expected.add(g.event_id);
  }
  let detected = 0;
  for (const id of expected) if (quarantined.has(id)) detected++;
  let falsePositives = 0;
  for (const id of quarantined) if (!named.has(id)) falsePositives++;
  return { injected: expected.size, detected, recall: expected.size ? detected / expected.size : 1, falsePositives };
}
