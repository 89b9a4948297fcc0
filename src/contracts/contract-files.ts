/**
 * File-level operations behind the `verity contract …` and `verity schema …` commands: each takes
 * paths and options and returns data; the CLI only parses arguments and renders.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VerityError, toVerityError } from '../errors.js';
import { lintContractText, type LintFinding } from './lint-contract.js';
import { readContractFile } from './read-contract.js';
import { CONTRACT_FILE_PATTERN } from './contract-resolver.js';
import { checkSchemaCompatibility, type CompatibilityMode, type CompatibilityPolicy, type SchemaCompatibilityResult } from './compat/check-compatibility.js';
import { diffContracts, type ConsumerDeclaration, type ContractDiff } from './contract-diff.js';
import { compileContract } from './compile-contract.js';
import { readKeySet, validateDataFile, type DataValidationSummary, type RecordResult } from './validate-data.js';
import type { Contract } from './contract-model.js';

/** Largest JSON Schema file `schema compat` reads. */
export const MAX_SCHEMA_BYTES = 10 * 1024 * 1024;

/** Contract files under `path` (a file, or a directory searched recursively). */
export function findContractFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw toVerityError(error);
  }
  if (stat.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (CONTRACT_FILE_PATTERN.test(entry.name)) out.push(p);
    }
  };
  walk(path);
  if (out.length === 0) throw new VerityError('NOT_FOUND', `No contract files (*.odcs.yaml) under ${path}.`);
  return out;
}

/** The result of linting files. */
export interface LintReport {
  files: string[];
  findings: LintFinding[];
  errors: number;
  warnings: number;
}

/** Lints a contract file or every contract under a directory. */
export function lintContractPath(path: string): LintReport {
  const files = findContractFiles(path);
  const findings: LintFinding[] = [];
  for (const file of files) {
    const size = statSync(file).size;
    if (size > 1024 * 1024) findings.push({ file, line: 1, column: 1, path: '', rule: 'size', severity: 'error', message: `file is ${size} bytes, over the 1 MiB contract limit` });
    else findings.push(...lintContractText(readFileSync(file, 'utf8'), file));
  }
  if (files.length > 1) findings.push(...crossContractFindings(files, findings));
  return { files, findings, errors: findings.filter((f) => f.severity === 'error').length, warnings: findings.filter((f) => f.severity === 'warning').length };
}

/** References between contracts of one directory: the target entity and its key field must exist. */
function crossContractFindings(files: readonly string[], existing: readonly LintFinding[]): LintFinding[] {
  const broken = new Set(existing.filter((f) => f.severity === 'error').map((f) => f.file));
  const contracts = new Map<string, { file: string; contract: Contract }>();
  for (const file of files) {
    if (broken.has(file) || /[\\/]next[\\/]/.test(file)) continue;
    const contract = readContractFile(file);
    contracts.set(contract.entity, { file, contract });
  }
  const out: LintFinding[] = [];
  for (const { file, contract } of contracts.values())
    for (const field of contract.fields) {
      const ref = field.reference;
      if (!ref) continue;
      const target = contracts.get(ref.entity);
      const problem = !target
        ? `no contract for entity "${ref.entity}" in this directory`
        : !target.contract.fields.some((f) => f.name === ref.field)
          ? `${ref.entity} has no field "${ref.field}"`
          : !target.contract.keyFields.includes(ref.field)
            ? `${ref.entity}.${ref.field} is not ${ref.entity}'s key (${target.contract.keyFields.join(', ')})`
            : undefined;
      if (problem) {
        const pos = locateField(file, field.name);
        out.push({ file, line: pos, column: 1, path: '', rule: 'verity/reference-target', severity: 'error', message: `${contract.entity}.${field.name} refers to ${ref.entity}.${ref.field}, but ${problem}.` });
      }
    }
  return out;
}

function locateField(file: string, name: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*-\\s*name:\\s*${name}\\s*$`).test(l));
  return i >= 0 ? i + 1 : 1;
}

/** Reads consumer declarations from a JSON or YAML file: a list of `{name, kind, entity, fields}`. */
export function readConsumers(file: string): ConsumerDeclaration[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', `${file}: consumers file is not valid JSON/YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const list = Array.isArray(raw) ? raw : (raw as { consumers?: unknown })?.consumers;
  if (!Array.isArray(list) || !list.every((c) => c && typeof c.name === 'string' && typeof c.entity === 'string' && Array.isArray(c.fields)))
    throw new VerityError('UNPROCESSABLE', `${file}: expected a list of consumers like [{name: lead_scoring, kind: feature_view, entity: lead, fields: [status, score]}].`);
  return list.map((c) => ({ name: c.name, kind: String(c.kind ?? 'consumer'), entity: c.entity, fields: c.fields.map(String) }));
}

/** Diffs two contract files. */
export function diffContractFiles(oldFile: string, newFile: string, options: { level?: CompatibilityMode; policy?: CompatibilityPolicy; consumers?: ConsumerDeclaration[] } = {}): ContractDiff {
  return diffContracts(readContractFile(oldFile), readContractFile(newFile), options);
}

/** Reads a JSON Schema file (JSON, or YAML) with a size limit and a clear parse error. */
export function readSchemaFile(file: string): unknown {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_SCHEMA_BYTES) throw new VerityError('PAYLOAD_TOO_LARGE', `${file} is ${size} bytes, over the ${MAX_SCHEMA_BYTES}-byte limit for a schema.`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw toVerityError(error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const m = /position (\d+)/.exec((error as Error).message);
    let where = '';
    if (m) {
      const before = text.slice(0, Number(m[1]));
      const line = before.split('\n').length;
      where = `:${line}:${before.length - before.lastIndexOf('\n')}`;
    }
    if (/\.ya?ml$/i.test(file)) return parseYaml(text) as unknown;
    throw new VerityError('MALFORMED_INPUT', `${file}${where}: not valid JSON (${(error as Error).message}). Fix the syntax there.`, { cause: error });
  }
}

/** Checks two JSON Schema files. */
export function compatSchemaFiles(oldFile: string, newFile: string, options: { level?: CompatibilityMode; policy?: CompatibilityPolicy } = {}): SchemaCompatibilityResult {
  return checkSchemaCompatibility(readSchemaFile(oldFile), readSchemaFile(newFile), { ...options, oldLabel: oldFile, newLabel: newFile });
}

/** Options for {@link validateContractData}. */
export interface ValidateContractDataOptions {
  /** `entity=file` lookups for reference rules. */
  lookups?: Record<string, string>;
  /** "Now" for not-in-the-future rules, epoch ms (default: the real clock). */
  now?: number;
  partial?: boolean;
  onResult?: (result: RecordResult) => void;
}

/** Validates a data file against a contract file; lookups are read from their files first. */
export async function validateContractData(contractFile: string, dataFile: string, options: ValidateContractDataOptions = {}): Promise<DataValidationSummary> {
  const contract = readContractFile(contractFile);
  const validator = compileContract(contract, options.now !== undefined ? { clock: () => options.now! } : {});
  const lookups: Record<string, Set<string>> = {};
  for (const [entity, file] of Object.entries(options.lookups ?? {})) lookups[entity] = await readKeySet(file, keyFieldsFor(entity, dirname(contractFile)));
  return validateDataFile(validator, dataFile, { lookups, ...(options.partial ? { partial: true } : {}), ...(options.onResult ? { onResult: options.onResult } : {}) });
}

/**
 * Validates every entity's data file in `dataDir` (`<entity>.ndjson`, `.jsonl` or `.csv`) against the
 * matching contract of `contractsDir`; entities without a data file are skipped.
 * @example
 * await validateContractDirectory('contracts', 'data/tenants/t01/records', { onResult: (entity, r) => … });
 */
export async function validateContractDirectory(
  contractsDir: string,
  dataDir: string,
  options: Omit<ValidateContractDataOptions, 'onResult'> & { onResult?: (entity: string, result: RecordResult) => void } = {},
): Promise<DataValidationSummary[]> {
  const summaries: DataValidationSummary[] = [];
  const files = readContractDir(contractsDir);
  for (const contract of files) {
    const data = ['ndjson', 'jsonl', 'csv'].map((ext) => join(dataDir, `${contract.entity}.${ext}`)).find((f) => existsSync(f));
    if (!data) continue;
    const contractFile = ['yaml', 'yml', 'json'].map((ext) => join(contractsDir, `${contract.entity}.odcs.${ext}`)).find((f) => existsSync(f)) ?? contractsDir;
    const { onResult, ...rest } = options;
    summaries.push(await validateContractData(contractFile, data, { ...rest, ...(onResult ? { onResult: (r) => onResult(contract.entity, r) } : {}) }));
  }
  if (summaries.length === 0) throw new VerityError('NOT_FOUND', `No data file in ${dataDir} matches a contract of ${contractsDir} (expected <entity>.ndjson or <entity>.csv).`);
  return summaries;
}

/** The key fields of `entity`: from its contract beside the validated one, else `<entity>_id`. */
function keyFieldsFor(entity: string, dir: string): string[] {
  for (const ext of ['yaml', 'yml', 'json']) {
    const file = join(dir, `${entity}.odcs.${ext}`);
    if (existsSync(file)) return readContractFile(file).keyFields;
  }
  return [`${entity}_id`];
}

/** Reads every contract of a directory (top level only, like the resolver). */
export function readContractDir(dir: string): Contract[] {
  return findContractFiles(dir)
    .filter((f) => dirname(f) === dir.replace(/\/$/, '') || statSync(dir).isFile())
    .map(readContractFile)
    .sort((a, b) => a.entity.localeCompare(b.entity));
}
