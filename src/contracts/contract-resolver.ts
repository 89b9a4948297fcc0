/**
 * Contract resolvers: how the ingest gate finds the current validator for an entity.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VerityError } from '../errors.js';
import type { ContractResolver } from './types.js';
import type { Contract } from './contract-model.js';
import { compileContract, type CompileOptions, type CompiledContract } from './compile-contract.js';
import { readContractFile } from './read-contract.js';

/** File names a project's contracts directory is scanned for. */
export const CONTRACT_FILE_PATTERN = /\.odcs\.(ya?ml|json)$/i;

/** A resolver that also lists its contracts and can reload them. */
export interface ContractCatalog extends ContractResolver {
  validatorFor(entity: string, tenant_id?: string): CompiledContract | undefined;
  /** Every loaded contract, by entity name order. */
  contracts(): Contract[];
  /** Re-reads the contracts (after a contract fix, before a quarantine replay). */
  reload(): void;
}

/** Lists the contract files directly inside `dir` (subdirectories such as `next/` are not read). */
export function listContractFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new VerityError('NOT_FOUND', `Contracts directory ${dir} does not exist. Run \`verity init\` or set contracts.dir in verity.config.yaml.`);
  return readdirSync(dir)
    .filter((f) => CONTRACT_FILE_PATTERN.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** A resolver over contracts already in memory (tests, the registry, embedding). */
export function createStaticContractResolver(contracts: readonly Contract[], options: CompileOptions = {}): ContractCatalog {
  let compiled = new Map<string, CompiledContract>();
  const load = () => {
    const next = new Map<string, CompiledContract>();
    for (const c of contracts) {
      if (next.has(c.entity)) throw new VerityError('CONTRACT_INVALID', `Two contracts describe entity "${c.entity}" (${next.get(c.entity)!.contract.id} and ${c.id}); keep one per entity.`);
      next.set(c.entity, compileContract(c, options));
    }
    compiled = next;
  };
  load();
  return {
    validatorFor: (entity) => compiled.get(entity),
    contracts: () => [...compiled.values()].map((v) => v.contract).sort((a, b) => a.entity.localeCompare(b.entity)),
    reload: load,
  };
}

/**
 * A resolver over a project's `contracts/` directory: every `*.odcs.yaml` file in it, one per
 * entity, compiled once. Contracts are read when the resolver is created; `reload()` re-reads them.
 * The same contracts apply to every tenant.
 *
 * @throws VerityError `NOT_FOUND` when the directory is missing; `CONTRACT_INVALID` when a contract
 *   is not valid or two files describe the same entity.
 * @example
 * const contracts = createFileContractResolver('contracts');
 * const lake = await openLake({ dir: '.verity', contracts });
 */
export function createFileContractResolver(dir: string, options: CompileOptions = {}): ContractCatalog {
  let inner: ContractCatalog;
  const load = () => {
    const contracts: Contract[] = [];
    const files = new Map<string, string>();
    for (const file of listContractFiles(dir)) {
      const c = readContractFile(file);
      const other = files.get(c.entity);
      if (other) throw new VerityError('CONTRACT_INVALID', `${file} and ${other} both describe entity "${c.entity}"; keep one contract per entity in ${dir}.`);
      files.set(c.entity, file);
      contracts.push(c);
    }
    inner = createStaticContractResolver(contracts, options);
  };
  load();
  return {
    validatorFor: (entity) => inner.validatorFor(entity),
    contracts: () => inner.contracts(),
    reload: load,
  };
}
