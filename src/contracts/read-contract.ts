/**
 * Reads an ODCS v3.1 contract (YAML text or file) into Verity's {@link Contract} view, after linting.
 */
import { readFileSync, statSync } from 'node:fs';
import { VerityError, toVerityError } from '../errors.js';
import type { Contract, ContractParty, FieldSpec, LogicalType, ServiceLevel } from './contract-model.js';
import { canonicalFormat } from './formats.js';
import { customPropertyMap } from './custom-properties.js';
import { enumValues, lintParsedContract, type LintFinding } from './lint-contract.js';
import { MAX_CONTRACT_BYTES, parseContractDocument } from './odcs-document.js';

/** Formats lint findings as `file:line:column message` lines. */
export function formatFindings(findings: readonly LintFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule}: ${f.message}`).join('\n');
}

/**
 * Parses, lints and reads contract text.
 *
 * @throws VerityError `MALFORMED_INPUT` for bad YAML, `CONTRACT_INVALID` (details: the findings)
 *   when the contract breaks ODCS or Verity's rules.
 * @example
 * const contract = readContractText(yamlText, 'contracts/lead.odcs.yaml');
 * contract.fields.find((f) => f.name === 'status')?.transitions;
 */
export function readContractText(text: string, file = '<contract>'): Contract {
  const parsed = parseContractDocument(text, file);
  const errors = lintParsedContract(parsed).filter((f) => f.severity === 'error');
  if (errors.length > 0)
    throw new VerityError('CONTRACT_INVALID', `${file}: not a valid ODCS v3.1 contract (${errors.length} problem${errors.length > 1 ? 's' : ''}):\n${formatFindings(errors.slice(0, 10))}${errors.length > 10 ? `\n… and ${errors.length - 10} more (run \`verity contract lint ${file}\`)` : ''}`, { details: errors });
  return contractFromDocument(parsed.data as Record<string, any>);
}

/** Reads a contract file (see {@link readContractText}). */
export function readContractFile(path: string): Contract {
  try {
    const size = statSync(path).size;
    if (size > MAX_CONTRACT_BYTES)
      throw new VerityError('PAYLOAD_TOO_LARGE', `${path}: contract is ${size} bytes, over the ${MAX_CONTRACT_BYTES}-byte limit. Check that the right file was given.`);
    return readContractText(readFileSync(path, 'utf8'), path);
  } catch (error) {
    throw toVerityError(error);
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function fieldFrom(p: Record<string, any>): FieldSpec {
  const logicalType = (p.logicalType ?? 'string') as LogicalType;
  const options = (p.logicalTypeOptions ?? {}) as Record<string, unknown>;
  const custom = customPropertyMap(p.customProperties);
  const field: FieldSpec = {
    name: String(p.name),
    logicalType,
    required: p.required === true,
    unique: p.unique === true,
    primaryKey: p.primaryKey === true,
    pii: custom.get('pii') === true || /^pii$/i.test(String(p.classification ?? '')),
    notInFuture: custom.get('notInFuture') === true,
  };
  if (typeof p.description === 'string') field.description = p.description;
  if (typeof p.businessName === 'string') field.businessName = p.businessName;
  if (typeof p.classification === 'string') field.classification = p.classification;
  if (typeof options.format === 'string') {
    const f = canonicalFormat(options.format);
    if (f) field.format = f;
  }
  if (logicalType === 'date') field.format = 'date';
  if (logicalType === 'timestamp') field.format = 'date-time';
  if (typeof options.pattern === 'string') field.pattern = options.pattern;
  const set = <K extends keyof FieldSpec>(key: K, value: FieldSpec[K] | undefined) => {
    if (value !== undefined) field[key] = value;
  };
  set('minLength', num(options.minLength));
  set('maxLength', num(options.maxLength));
  set('minimum', num(options.minimum));
  set('maximum', num(options.maximum));
  set('exclusiveMinimum', num(options.exclusiveMinimum));
  set('exclusiveMaximum', num(options.exclusiveMaximum));
  set('minItems', num(options.minItems));
  set('maxItems', num(options.maxItems));
  if (typeof options.uniqueItems === 'boolean') field.uniqueItems = options.uniqueItems;
  set('enum', enumValues(p));
  if (logicalType === 'array' && p.items && typeof p.items === 'object') {
    const it = p.items as Record<string, any>;
    const itemFormat = typeof it.logicalTypeOptions?.format === 'string' ? canonicalFormat(it.logicalTypeOptions.format) : undefined;
    const itemEnum = enumValues(it);
    field.items = { logicalType: (it.logicalType ?? 'string') as LogicalType, ...(itemEnum ? { enum: itemEnum } : {}), ...(itemFormat ? { format: itemFormat } : {}) };
  }
  const to = Array.isArray(p.relationships) ? p.relationships.find((r: any) => typeof r?.to === 'string')?.to : undefined;
  if (typeof to === 'string') {
    const [entity, key] = to.split('.');
    if (entity && key) field.reference = { entity, field: key };
  }
  const transitions = custom.get('transitions');
  if (transitions && typeof transitions === 'object' && !Array.isArray(transitions))
    field.transitions = Object.fromEntries(Object.entries(transitions).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : []]));
  const purposes = custom.get('consentPurposes');
  if (Array.isArray(purposes)) field.consentPurposes = purposes.map(String);
  const deprecation = custom.get('deprecationDate');
  if (typeof deprecation === 'string') field.deprecationDate = deprecation;
  return field;
}

function partiesFrom(doc: Record<string, any>): ContractParty[] {
  const parties: ContractParty[] = [];
  const members = Array.isArray(doc.team) ? doc.team : Array.isArray(doc.team?.members) ? doc.team.members : [];
  for (const m of members)
    if (m && typeof m.username === 'string') parties.push({ username: m.username, role: String(m.role ?? 'member').toLowerCase(), ...(typeof m.name === 'string' ? { name: m.name } : {}) });
  if (Array.isArray(doc.roles))
    for (const r of doc.roles) {
      if (!r || typeof r.role !== 'string') continue;
      const access = String(r.access ?? '').toLowerCase();
      parties.push({ username: r.role, role: access === 'read' ? 'consumer' : access || 'role', ...(typeof r.description === 'string' ? { name: r.description } : {}) });
    }
  return parties;
}

/** Builds the {@link Contract} view of an ODCS document that has passed lint. */
export function contractFromDocument(doc: Record<string, any>): Contract {
  const object = (doc.schema as Record<string, any>[])[0]!;
  const objectCustom = customPropertyMap(object.customProperties);
  const fields = ((object.properties ?? []) as Record<string, any>[]).map(fieldFrom);
  const keyed = ((object.properties ?? []) as Record<string, any>[])
    .map((p, i) => ({ name: String(p.name), key: p.primaryKey === true, position: typeof p.primaryKeyPosition === 'number' && p.primaryKeyPosition > 0 ? p.primaryKeyPosition : 1000 + i }))
    .filter((k) => k.key)
    .sort((a, b) => a.position - b.position);
  const parties = partiesFrom(doc);
  const sla: ServiceLevel[] = Array.isArray(doc.slaProperties)
    ? doc.slaProperties.map((s: any) => ({
        property: String(s.property),
        value: s.value ?? null,
        ...(typeof s.unit === 'string' ? { unit: s.unit } : {}),
        ...(typeof s.element === 'string' ? { element: s.element } : {}),
        ...(typeof s.description === 'string' ? { description: s.description } : {}),
      }))
    : [];
  const purposes = [...new Set(fields.flatMap((f) => f.consentPurposes ?? []))];
  const contract: Contract = {
    id: String(doc.id),
    name: String(doc.name ?? object.name),
    version: String(doc.version),
    status: String(doc.status),
    entity: String(object.name),
    keyFields: keyed.map((k) => k.name),
    fields,
    closed: objectCustom.get('contentModel') === 'closed',
    consentPurposes: purposes,
    owners: parties.filter((p) => p.role === 'owner'),
    stewards: parties.filter((p) => p.role === 'steward' || p.role === 'data steward'),
    consumers: parties.filter((p) => p.role === 'consumer'),
    parties,
    sla,
    document: doc,
  };
  const description = doc.description?.purpose ?? object.description;
  if (typeof description === 'string') contract.description = description;
  if (typeof doc.domain === 'string') contract.domain = doc.domain;
  const compat = objectCustom.get('compatibility');
  if (typeof compat === 'string') contract.compatibility = compat;
  return contract;
}
