import { join } from 'node:path';
import type { LoadedConfig } from '../config/config.js';
import { projectPath } from '../config/config.js';
import type { Signer, Verifier } from '../keys/signer.js';
import type { AuditLog } from './audit-log.js';
import { createFileAuditLog } from './file-audit-log.js';

/** Options for {@link openAuditLog}. */
export interface OpenAuditLogOptions {
  /** Signs tree heads (required to append signed heads). */
  signer?: Signer | undefined;
  /** Verifies heads when there is no signer (e.g. `verity audit verify` with only the public key). */
  verifier?: Verifier | undefined;
  clock?: () => Date;
  /** Open the file log without its writer lock and without repairs (reads while another process appends). */
  readOnly?: boolean;
}

/**
 * Opens the project's audit log as configured: files under `<lake dir>/audit` (default) or
 * PostgreSQL (`audit: {type: postgres, url}`; `pg` is loaded only then).
 * @example const log = await openAuditLog(loadConfig(), { signer: loadSigner(...) });
 */
export async function openAuditLog(loaded: LoadedConfig, options: OpenAuditLogOptions = {}): Promise<AuditLog> {
  const audit = loaded.config.audit;
  const common = {
    ...(options.signer ? { signer: options.signer } : {}),
    ...(options.verifier ? { verifier: options.verifier } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (audit.type === 'postgres') {
    const { createPostgresAuditLog } = await import('./postgres-audit-log.js');
    return createPostgresAuditLog({ url: audit.url, ...common });
  }
  return createFileAuditLog({ dir: join(projectPath(loaded, loaded.config.lake.dir), 'audit'), ...common, ...(options.readOnly ? { readOnly: true } : {}) });
}
