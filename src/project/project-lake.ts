import { existsSync } from 'node:fs';
import { projectPath, type LoadedConfig } from '../config/config.js';
import { createFileContractResolver, type ContractCatalog } from '../contracts/contract-resolver.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import { openLake } from '../lake/lake.js';
import type { Lake } from '../lake/types.js';

/** Options of {@link openProjectLake}. */
export interface OpenProjectLakeOptions {
  /** Who audit facts name as actor (e.g. `verity ingest`). */
  actor: string;
  /** Open for reading only. */
  readOnly?: boolean;
  /** Records consequential facts (the project's audit log). */
  audit?: AuditSink;
  /** Reports job runs (the project's lineage emitter). */
  lineage?: LineageEmitter;
}

/** A project's lake with the project's contracts wired into its gate. */
export interface ProjectLake {
  lake: Lake;
  /** The project's contracts (undefined when the project has no contracts directory). */
  contracts: ContractCatalog | undefined;
}

/**
 * Opens the lake of a project with everything the configuration names: the contracts in
 * `contracts.dir` validate at the gate (a project without that directory ingests unvalidated, and
 * reports say `validated: false`). The CLI, the server and the demo all open the lake through here,
 * so every path enforces the same contracts.
 * @example
 * const { lake } = await openProjectLake(loadConfig(), { actor: 'verity ingest' });
 */
export async function openProjectLake(loaded: LoadedConfig, options: OpenProjectLakeOptions): Promise<ProjectLake> {
  const { config } = loaded;
  const contractsDir = projectPath(loaded, config.contracts.dir);
  const contracts = existsSync(contractsDir) ? createFileContractResolver(contractsDir) : undefined;
  const lake = await openLake({
    dir: projectPath(loaded, config.lake.dir),
    actor: options.actor,
    ...(contracts ? { contracts } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(config.lake.compaction?.maxRows !== undefined ? { compactAfterRows: config.lake.compaction.maxRows } : {}),
    ...(options.audit ? { audit: options.audit } : {}),
    ...(options.lineage ? { lineage: options.lineage } : {}),
  });
  return { lake, contracts };
}
