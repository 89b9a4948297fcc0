/**
 * Diffs two versions of a contract: the structural JSON Schema diff plus Verity's semantic,
 * operational, classification and ownership rules, each said to break consumers or not, in which
 * direction, and why — naming the declared consumers that read the fields concerned.
 */
import { VerityError } from '../errors.js';
import type { Contract } from './contract-model.js';
import { contractToJsonSchema } from './contract-json-schema.js';
import { checkSchemaCompatibility, levelOf, type CompatibilityLevel, type CompatibilityMode, type CompatibilityPolicy } from './compat/check-compatibility.js';
import type { SchemaChange } from './compat/schema-change.js';
import { diffContractRules, type RuleChange } from './contract-diff-rules.js';

/**
 * Something that reads an entity's fields: a feature view, an action, a report. The features
 * module supplies these for feature views; projects can declare others.
 */
export interface ConsumerDeclaration {
  name: string;
  /** `feature_view`, `action`, `report`, … */
  kind: string;
  entity: string;
  /** The fields it reads; `['*']` for all. */
  fields: readonly string[];
}

/** One classified change between two contract versions. */
export interface ContractChange {
  type: string;
  category: RuleChange['category'];
  path: string;
  field?: string;
  /** `breaking` (breaks the requested mode), `warning` (breaks consumers or needs attention), `info`. */
  severity: 'breaking' | 'warning' | 'info';
  backward: boolean;
  forward: boolean;
  breaksConsumers: boolean;
  /** Which directions it breaks: `backward` (the new contract rejects old data), `forward` (old readers may fail on new data). */
  breaks: ('backward' | 'forward')[];
  message: string;
  why: string;
  /** Declared consumers that read the field (or the entity, for entity-level changes). */
  consumers: string[];
}

/** The result of {@link diffContracts}. */
export interface ContractDiff {
  entity: string;
  from: string;
  to: string;
  level: CompatibilityLevel;
  policy: CompatibilityPolicy;
  /** No change breaks the requested level. */
  compatible: boolean;
  changes: ContractChange[];
  /** The changes with severity `breaking`. */
  breaking: ContractChange[];
  /** Consumers named by at least one change that breaks them. */
  affectedConsumers: { name: string; kind: string; changes: string[] }[];
}

/** Options for {@link diffContracts}. */
export interface ContractDiffOptions {
  level?: CompatibilityLevel | CompatibilityMode;
  policy?: CompatibilityPolicy;
  consumers?: readonly ConsumerDeclaration[];
}

const SEMANTIC = /^(ENUM_|CONST_|NUMBER_TYPE_(EXCLUSIVE_)?(MINIMUM|MAXIMUM)|NUMBER_TYPE_IS_|NUMBER_TYPE_MULTIPLE|STRING_TYPE_(PATTERN|FORMAT|MIN_LENGTH|MAX_LENGTH)|ARRAY_TYPE_(MIN|MAX|UNIQUE))/;

function explain(c: SchemaChange): string {
  if (!c.backward && !c.forward) return 'old and new records are not interchangeable in either direction';
  if (!c.backward) return 'records accepted under the old contract can now be rejected (replays of old data would be quarantined)';
  if (!c.forward) return 'records valid under the new contract can carry values readers built for the old one do not expect';
  return 'data stays valid in both directions';
}

function fromSchemaChange(c: SchemaChange): Omit<ContractChange, 'severity' | 'breaks' | 'consumers'> {
  const field = /^#\/properties\/([^/]+)/.exec(c.path)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
  const removed = c.type === 'OBJECT_TYPE_PROPERTY_SCHEMA_REMOVED';
  // A new field cannot break a reader: no existing reader reads it.
  const added = c.type === 'OBJECT_TYPE_PROPERTY_SCHEMA_ADDED';
  return {
    type: c.type,
    category: SEMANTIC.test(c.type) ? 'semantic' : 'structural',
    path: c.path,
    ...(field ? { field } : {}),
    backward: c.backward,
    forward: c.forward,
    breaksConsumers: removed || (!added && !c.forward),
    message: c.message,
    why: removed ? 'consumers reading the field lose it' : added && !c.forward ? 'readers validating with the old (closed) contract would reject records carrying the new field' : explain(c),
  };
}

/**
 * Diffs two contract versions of one entity.
 * @example
 * const diff = diffContracts(v1, v2, { level: 'BACKWARD', consumers: [{ name: 'lead_scoring', kind: 'feature_view', entity: 'lead', fields: ['status'] }] });
 * diff.compatible; diff.affectedConsumers;
 */
export function diffContracts(oldContract: Contract, newContract: Contract, options: ContractDiffOptions = {}): ContractDiff {
  const level = levelOf(options.level ?? (oldContract.compatibility as CompatibilityMode | undefined) ?? 'BACKWARD');
  const policy = options.policy ?? 'STRICT';
  if (oldContract.entity !== newContract.entity)
    throw new VerityError('UNPROCESSABLE', `Cannot diff contracts of different entities (${oldContract.entity} and ${newContract.entity}); compare two versions of the same entity.`);
  const structural = checkSchemaCompatibility(contractToJsonSchema(oldContract), contractToJsonSchema(newContract), { level, policy, oldLabel: `${oldContract.entity}@${oldContract.version}`, newLabel: `${newContract.entity}@${newContract.version}` });
  const raw = [...structural.changes.map(fromSchemaChange), ...diffContractRules(oldContract, newContract)];
  const consumers = (options.consumers ?? []).filter((c) => c.entity === newContract.entity);
  const changes: ContractChange[] = raw.map((c) => {
    const breaks: ('backward' | 'forward')[] = [];
    if (!c.backward && (level === 'BACKWARD' || level === 'FULL')) breaks.push('backward');
    if (!c.forward && (level === 'FORWARD' || level === 'FULL')) breaks.push('forward');
    const readers = consumers.filter((k) => !c.field || k.fields.includes('*') || k.fields.includes(c.field)).map((k) => k.name);
    const severity = breaks.length > 0 ? 'breaking' : c.breaksConsumers || !c.backward || !c.forward ? 'warning' : 'info';
    return { ...c, severity, breaks, consumers: c.breaksConsumers || breaks.length > 0 ? readers : [] };
  });
  const breaking = changes.filter((c) => c.severity === 'breaking');
  const affected = new Map<string, { name: string; kind: string; changes: string[] }>();
  for (const c of changes)
    for (const name of c.consumers) {
      const decl = consumers.find((k) => k.name === name)!;
      const entry = affected.get(name) ?? { name, kind: decl.kind, changes: [] };
      entry.changes.push(`${c.type} ${c.path}`);
      affected.set(name, entry);
    }
  return { entity: newContract.entity, from: oldContract.version, to: newContract.version, level, policy, compatible: breaking.length === 0, changes, breaking, affectedConsumers: [...affected.values()] };
}
