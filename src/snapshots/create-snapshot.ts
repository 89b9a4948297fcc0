import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { AuditSink } from '../audit/audit-sink.js';
import { VerityError } from '../errors.js';
import type { Signer } from '../keys/signer.js';
import type { LineageEmitter, JobRun } from '../lineage/lineage-emitter.js';
import { canonicalJson } from '../util/canonical-json.js';
import { codeVersion } from './code-version.js';
import { signEnvelope } from './dsse.js';
import { hashFile } from './hash-file.js';
import { createStatement, IN_TOTO_PAYLOAD_TYPE, serializeStatement } from './in-toto.js';
import { copyParquet, writeRowsToParquet } from './parquet-writer.js';
import { SNAPSHOT_PREDICATE_TYPE, snapshotId, snapshotParameters, type SnapshotManifest } from './snapshot-manifest.js';
import { snapshotDatasets } from './snapshot-lineage.js';
import type { FrameRow, TrainingFrameBuilder } from './training-frame-builder.js';

/** Options for {@link createSnapshot}. */
export interface CreateSnapshotOptions {
  /** Snapshot name: letters, digits, `_ . -` (e.g. `lead-scoring`). */
  name: string;
  /** The input frame: a CSV file path (header row) or rows. */
  frame: string | FrameRow[];
  /** Feature view names. */
  views: string[];
  /** Consent purpose to filter on (e.g. `model_training`). */
  purpose?: string;
  /** Extra retrieval options passed to the builder and recorded. */
  retrieval?: Record<string, unknown>;
  builder: TrainingFrameBuilder;
  signer: Signer;
  /** The snapshots root directory (e.g. `.verity/snapshots`). */
  dir: string;
  audit?: AuditSink;
  lineage?: LineageEmitter;
  /** Namespace for lineage dataset names (default `verity://<dir>`). */
  lineageNamespace?: string;
  /** Who creates it (for the audit log). */
  actor?: string;
  clock?: () => Date;
}

/** What {@link createSnapshot} returns. */
export interface CreatedSnapshot {
  name: string;
  id: string;
  version: number;
  /** Directory of this version. */
  path: string;
  manifest: SnapshotManifest;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** Reads a CSV frame file: rows as strings, plus the file's digest. */
export function readFrameCsv(path: string): { rows: FrameRow[]; sha256: string; source: string } {
  const file = resolve(path);
  if (!existsSync(file)) throw new VerityError('NOT_FOUND', `Frame file ${file} does not exist. Pass a CSV with a header row (entity key, timestamp, label).`);
  if (statSync(file).size > MAX_FRAME_BYTES) throw new VerityError('PAYLOAD_TOO_LARGE', `Frame file ${file} is larger than 512 MiB.`);
  const bytes = readFileSync(file);
  let rows: FrameRow[];
  try {
    rows = parseCsv<FrameRow>(bytes, { columns: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', `Frame file ${file} is not valid CSV: ${(error as Error).message}`, { cause: error });
  }
  return { rows, sha256: createHash('sha256').update(bytes).digest('hex'), source: basename(file) };
}

/** The versions that exist for a name (sorted). */
export function snapshotVersions(dir: string, name: string): number[] {
  const d = join(resolve(dir), name);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .map((f) => /^v(\d+)$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Creates a signed, immutable training snapshot: builds the frame with point-in-time retrieval,
 * writes it as Parquet with fixed options (same inputs ⇒ same bytes), and signs a manifest as an
 * in-toto Statement v1 (subjects = the data files) in a DSSE envelope.
 *
 * The version directory `<dir>/<name>/v<N>` appears atomically (written in a temporary directory,
 * then renamed); an existing version is never overwritten; files are made read-only.
 * @example
 * const s = await createSnapshot({ name: 'lead-scoring', frame: 'labels.csv', views: ['lead_activity'], purpose: 'model_training', builder, signer, dir: '.verity/snapshots' });
 */
export async function createSnapshot(options: CreateSnapshotOptions): Promise<CreatedSnapshot> {
  const { name, views, builder, signer } = options;
  if (typeof name !== 'string' || !NAME.test(name)) throw new VerityError('INVALID_ARGUMENT', `Snapshot name ${JSON.stringify(name)} is invalid: use letters, digits, "_", "." or "-" (at most 100), starting with a letter or digit.`);
  if (!Array.isArray(views) || views.length === 0 || views.some((v) => typeof v !== 'string' || v.length === 0)) throw new VerityError('INVALID_ARGUMENT', 'A snapshot needs at least one feature view name (--views a,b).');
  const clock = options.clock ?? (() => new Date());
  const root = resolve(options.dir);
  mkdirSync(root, { recursive: true });
  const frame =
    typeof options.frame === 'string'
      ? readFrameCsv(options.frame)
      : { rows: options.frame, sha256: createHash('sha256').update(canonicalJson(options.frame)).digest('hex'), source: '(rows)' };
  const namespace = options.lineageNamespace ?? `verity://${root}`;
  const job: JobRun = { job: 'snapshot.create', inputs: [], outputs: [] };
  const runId = options.lineage ? await options.lineage.start(job) : undefined;
  const tmp = join(root, `.tmp-${name}-${randomBytes(6).toString('hex')}`);
  try {
    const built = await builder.build(frame.rows, views, { ...(options.retrieval ?? {}), ...(options.purpose ? { purpose: options.purpose } : {}) });
    if ((built.parquetPath === undefined) === (built.rows === undefined)) throw new VerityError('INTERNAL', 'The training frame builder must return exactly one of parquetPath or rows.');
    mkdirSync(join(tmp, 'data'), { recursive: true });
    const dataPath = 'data/part-0000.parquet';
    const written = built.rows ? await writeRowsToParquet(built.rows, join(tmp, dataPath), built.columns) : await copyParquet(built.parquetPath!, join(tmp, dataPath));
    const digest = await hashFile(join(tmp, dataPath));
    const files = [{ path: dataPath, sha256: digest.sha256, bytes: digest.bytes, rows: written.rows }];
    const base = {
      consent: { purpose: options.purpose ?? null, excluded_rows: options.purpose ? (built.consentExcluded ?? null) : null },
      frame: { source: frame.source, sha256: frame.sha256, rows: frame.rows.length },
      feature_views: built.views,
      contracts: built.contracts,
      lake: { positions: built.lakePositions, files_read: built.filesRead },
      retrieval: { ...built.parameters, ...(options.retrieval ?? {}) },
    };
    const id = snapshotId(files, snapshotParameters(base));
    const createdAt = clock().toISOString();
    let created: CreatedSnapshot | undefined;
    for (let attempt = 0; attempt < 100 && !created; attempt++) {
      const version = (snapshotVersions(root, name).pop() ?? 0) + 1;
      const manifest: SnapshotManifest = {
        snapshot: { name, id, version, created_at: createdAt },
        ...base,
        data: { rows: written.rows, column_count: written.columns.length, columns: written.columns, files },
        code: codeVersion(),
        signer: { keyid: signer.keyid, algorithm: signer.algorithm },
      };
      const statement = createStatement(
        files.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
        SNAPSHOT_PREDICATE_TYPE,
        manifest,
      );
      const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, serializeStatement(statement), signer);
      // Keys in canonical order: manifest.json is byte-for-byte the pretty rendering of the signed manifest.
      writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(JSON.parse(canonicalJson(manifest)), null, 2) + '\n');
      writeFileSync(join(tmp, 'statement.dsse.json'), JSON.stringify(envelope, null, 2) + '\n');
      const target = join(root, name, `v${version}`);
      mkdirSync(join(root, name), { recursive: true });
      try {
        renameSync(tmp, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue; // another writer took this version: sign the next one
        throw error;
      }
      for (const f of [...files.map((x) => x.path), 'manifest.json', 'statement.dsse.json']) chmodSync(join(target, f), 0o444);
      chmodSync(join(target, 'data'), 0o555);
      chmodSync(target, 0o555);
      created = { name, id, version, path: target, manifest };
    }
    if (!created) throw new VerityError('CONFLICT', `Could not allocate a new version of snapshot "${name}" after 100 attempts.`);
    await options.audit?.append([
      {
        type: 'snapshot.created',
        actor: options.actor ?? 'verity',
        time: createdAt,
        data: { name, id, version: created.version, purpose: options.purpose ?? null, rows: written.rows, files: files.map((f) => ({ path: f.path, sha256: f.sha256 })), keyid: signer.keyid },
      },
    ]);
    if (options.lineage && runId) {
      const ds = snapshotDatasets(created.manifest, namespace, built.columnSources);
      await options.lineage.complete(runId, { ...job, inputs: ds.inputs, outputs: ds.outputs });
    }
    return created;
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (options.lineage && runId) await options.lineage.fail(runId, job, error as Error).catch(() => undefined);
    throw error;
  }
}
