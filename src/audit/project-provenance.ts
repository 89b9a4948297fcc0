import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedConfig } from '../config/config.js';
import { projectPath } from '../config/config.js';
import { generateKeyPair } from '../keys/key-files.js';
import { tryProjectSigner } from '../keys/project-keys.js';
import type { Signer } from '../keys/signer.js';
import { projectLineageEmitter } from '../lineage/project-lineage.js';
import type { OpenLineageEmitter } from '../lineage/openlineage-emitter.js';
import type { AuditLog } from './audit-log.js';
import { openAuditLog } from './open-audit-log.js';

/** A project's provenance services, ready to pass to the lake, feature and snapshot jobs. */
export interface ProjectProvenance {
  /** The signing key (undefined when none is configured and `generateKey` was not asked). */
  signer: Signer | undefined;
  audit: AuditLog;
  lineage: OpenLineageEmitter;
  /** Closes the audit log (the emitter holds nothing open). Safe twice. */
  close(): Promise<void>;
}

/**
 * Opens a project's signer, audit log and lineage emitter in one call, as configured.
 * With `generateKey`, a missing key pair is created first at `keys.privateKeyFile` (the demo does
 * this; real projects run `verity keys generate` once).
 * @example
 * const prov = await openProjectProvenance(loaded, { generateKey: true });
 * const { lake } = await openProjectLake(loaded, { actor: 'verity demo', audit: prov.audit, lineage: prov.lineage });
 */
export async function openProjectProvenance(loaded: LoadedConfig, options: { generateKey?: boolean; clock?: () => Date } = {}): Promise<ProjectProvenance> {
  let signer = tryProjectSigner(loaded);
  const file = loaded.config.keys.privateKeyFile;
  if (!signer && options.generateKey && file && !existsSync(projectPath(loaded, file))) {
    generateKeyPair({ dir: dirname(projectPath(loaded, file)) });
    signer = tryProjectSigner(loaded);
  }
  const audit = await openAuditLog(loaded, { signer, ...(options.clock ? { clock: options.clock } : {}) });
  const lineage = projectLineageEmitter(loaded, options.clock ? { clock: options.clock } : {});
  return { signer, audit, lineage, close: () => audit.close() };
}
