import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { VerityError } from '../errors.js';
import { createEd25519Verifier } from '../keys/ed25519-signer.js';
import type { LoadedConfig } from '../config/config.js';
import { projectPath } from '../config/config.js';
import { openAuditLog } from '../audit/open-audit-log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { Signer } from '../keys/signer.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import type { FrameRow, TrainingFrameBuilder } from './training-frame-builder.js';
import { projectSigner, projectVerifier } from '../keys/project-keys.js';
import { lakeNamespace } from '../lineage/dataset-names.js';
import { projectLineageEmitter } from '../lineage/project-lineage.js';
import { readLineageEvents } from '../lineage/openlineage-emitter.js';
import { traceSnapshot, type SnapshotTrace } from '../lineage/trace-snapshot.js';
import { createSnapshot, type CreatedSnapshot } from './create-snapshot.js';
import { projectTrainingFrameBuilder } from './frame-builder-registry.js';
import { listSnapshots, readSignedManifest, resolveSnapshot, type SnapshotSummary } from './snapshot-store.js';
import type { SnapshotManifest } from './snapshot-manifest.js';
import { verifySnapshot, type SnapshotVerification } from './verify-snapshot.js';

/** The snapshots root of a project: `<lake dir>/snapshots`. */
export function projectSnapshotsDir(loaded: LoadedConfig): string {
  return join(projectPath(loaded, loaded.config.lake.dir), 'snapshots');
}

/**
 * Creates a snapshot in a project with everything wired: the project's signing key, the registered
 * training frame builder, the audit log (a `snapshot.created` fact) and the lineage emitter.
 */
export async function createProjectSnapshot(
  loaded: LoadedConfig,
  options: {
    name: string;
    frame: string | FrameRow[];
    views: string[];
    purpose?: string;
    actor?: string;
    clock?: () => Date;
    /** Reuse services the caller already holds (e.g. from openProjectProvenance) instead of opening them. */
    signer?: Signer;
    audit?: AuditSink;
    lineage?: LineageEmitter;
    builder?: TrainingFrameBuilder;
  },
): Promise<CreatedSnapshot> {
  const { signer: givenSigner, audit: givenAudit, lineage: givenLineage, builder: givenBuilder, ...rest } = options;
  const signer = givenSigner ?? projectSigner(loaded);
  const builder = givenBuilder ?? (await projectTrainingFrameBuilder(loaded));
  const audit = givenAudit ?? (await openAuditLog(loaded, { signer, ...(options.clock ? { clock: options.clock } : {}) }));
  try {
    return await createSnapshot({
      ...rest,
      builder,
      signer,
      dir: projectSnapshotsDir(loaded),
      audit,
      lineage: givenLineage ?? projectLineageEmitter(loaded, options.clock ? { clock: options.clock } : {}),
      lineageNamespace: lakeNamespace(projectPath(loaded, loaded.config.lake.dir)),
    });
  } finally {
    if (!givenAudit) await (audit as AuditLog).close();
  }
}

/** Lists a project's snapshots. */
export function listProjectSnapshots(loaded: LoadedConfig): SnapshotSummary[] {
  return listSnapshots(projectSnapshotsDir(loaded));
}

/** The signed manifest of a project snapshot (by name, name@version or id). */
export function showProjectSnapshot(loaded: LoadedConfig, ref: string): SnapshotManifest & { path: string } {
  const path = resolveSnapshot(projectSnapshotsDir(loaded), ref);
  return { ...readSignedManifest(path), path };
}

/** Verifies a project snapshot with the project's public key (or an explicit PEM file). */
export async function verifyProjectSnapshot(loaded: LoadedConfig, ref: string, publicKeyFile?: string): Promise<SnapshotVerification> {
  const path = resolveSnapshot(projectSnapshotsDir(loaded), ref);
  let verifier;
  if (publicKeyFile) {
    const file = resolvePath(publicKeyFile);
    if (!existsSync(file)) throw new VerityError('NOT_FOUND', `Public key ${file} does not exist. Export one with \`verity keys export-public\`.`);
    verifier = createEd25519Verifier(readFileSync(file), `file ${file}`);
  } else verifier = projectVerifier(loaded);
  return verifySnapshot(path, verifier);
}

/** `verity lineage trace`: walks back from a project snapshot through the project's lineage events. */
export async function traceProjectSnapshot(loaded: LoadedConfig, ref: string): Promise<SnapshotTrace> {
  const path = resolveSnapshot(projectSnapshotsDir(loaded), ref);
  const events = readLineageEvents(projectPath(loaded, loaded.config.lineage.file));
  return traceSnapshot(readSignedManifest(path), events, { namespace: lakeNamespace(projectPath(loaded, loaded.config.lake.dir)) });
}
