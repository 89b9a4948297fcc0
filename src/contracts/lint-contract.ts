/**
 * Lints an ODCS v3.1 contract: the standard's JSON Schema, then Verity's own rules. Every finding
 * names the file, line and column.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ODCS_V3_1_SCHEMA } from './schema/odcs-v3-1-schema.js';
import { parseContractDocument, pointerToPath, type ParsedDocument } from './odcs-document.js';
import { canonicalFormat } from './formats.js';
import { customPropertyIndex, customPropertyMap } from './custom-properties.js';
import { isVerityError } from '../errors.js';

/** One problem found in a contract. */
export interface LintFinding {
  file: string;
  line: number;
  column: number;
  /** JSON pointer into the document. */
  path: string;
  /** `odcs-schema` for the standard's schema, `verity/<rule>` for Verity's own rules, `yaml` for syntax. */
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let odcsValidator: ReturnType<Ajv['compile']> | undefined;
function validateOdcs(data: unknown): ErrorObject[] {
  if (!odcsValidator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    odcsValidator = ajv.compile(ODCS_V3_1_SCHEMA);
  }
  return odcsValidator(data) ? [] : [...(odcsValidator.errors ?? [])];
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const OPTIONS_BY_TYPE: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  date: ['format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  timestamp: ['format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'timezone', 'defaultTimezone'],
  time: ['format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'timezone', 'defaultTimezone'],
  integer: ['multipleOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'format'],
  number: ['multipleOf', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'format'],
  object: ['maxProperties', 'minProperties', 'required'],
  array: ['maxItems', 'minItems', 'uniqueItems'],
  boolean: [],
};

/**
 * Lints contract text. Returns findings (empty when clean); never throws on bad content.
 * @example
 * const findings = lintContractText(readFileSync('contracts/contact.odcs.yaml', 'utf8'), 'contracts/contact.odcs.yaml');
 */
export function lintContractText(text: string, file: string): LintFinding[] {
  let parsed: ParsedDocument;
  try {
    parsed = parseContractDocument(text, file);
  } catch (error) {
    if (!isVerityError(error)) throw error;
    const d = (error.details ?? {}) as { line?: number; column?: number };
    return [{ file, line: d.line ?? 1, column: d.column ?? 1, path: '', rule: 'yaml', severity: 'error', message: error.message.replace(`${file}:`, '').replace(/^\d+:\d+: /, '') }];
  }
  return lintParsedContract(parsed);
}

/** Lints an already parsed document (see {@link lintContractText}). */
export function lintParsedContract(parsed: ParsedDocument): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (path: (string | number)[], rule: string, message: string, severity: 'error' | 'warning' = 'error') => {
    const pos = parsed.positionOf(path);
    findings.push({ file: parsed.file, line: pos.line, column: pos.column, path: path.length ? '/' + path.join('/') : '', rule, severity, message });
  };
  const data = parsed.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    add([], 'odcs-schema', 'not an ODCS contract: the document must be a mapping with apiVersion, kind: DataContract, id, version, status and schema.');
    return findings;
  }
  for (const error of dedupeErrors(validateOdcs(data))) {
    const path: (string | number)[] = pointerToPath(error.instancePath);
    let message = `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`;
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      path.push(extra);
      message = `${error.instancePath || '(root)'}: unknown property "${extra}" (not in ODCS v3.1). Remove it or move it into customProperties.`;
    } else if (error.keyword === 'required') {
      message = `${error.instancePath || '(root)'}: missing required property "${(error.params as { missingProperty: string }).missingProperty}".`;
    } else if (error.keyword === 'enum') {
      message += `: ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
    }
    add(path, 'odcs-schema', message);
  }
  verityRules(data as Record<string, any>, add);
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupeErrors(errors: ErrorObject[]): ErrorObject[] {
  // oneOf/anyOf failures repeat each branch's error; keep the most specific ones.
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'allOf' || e.keyword === 'not') return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Add = (path: (string | number)[], rule: string, message: string, severity?: 'error' | 'warning') => void;

function verityRules(doc: Record<string, any>, add: Add): void {
  if (typeof doc.version === 'string' && !SEMVER.test(doc.version))
    add(['version'], 'verity/semver', `version "${doc.version}" is not semantic (MAJOR.MINOR.PATCH, e.g. 1.0.0); the registry orders and compares versions by it.`);
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'v3.1.0')
    add(['apiVersion'], 'verity/api-version', `apiVersion ${doc.apiVersion}: Verity writes v3.1.0; older documents are read but not all fields may apply.`, 'warning');
  const schema = doc.schema;
  if (!Array.isArray(schema) || schema.length !== 1) {
    add(Array.isArray(schema) ? ['schema'] : [], 'verity/one-entity', 'a Verity contract describes exactly one entity: give exactly one schema object (name: the entity, e.g. contact).');
    return;
  }
  const object = schema[0] as Record<string, any> | undefined;
  if (!object || typeof object !== 'object') return;
  const objectProps = customPropertyMap(object.customProperties);
  const contentModel = objectProps.get('contentModel');
  if (contentModel !== undefined && contentModel !== 'closed' && contentModel !== 'open')
    add(['schema', 0, 'customProperties', customPropertyIndex(object.customProperties, 'contentModel'), 'value'], 'verity/content-model', `contentModel must be "closed" (STRICT: unknown fields rejected) or "open"; got ${JSON.stringify(contentModel)}.`);
  const compat = objectProps.get('compatibility');
  if (compat !== undefined && !['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'].includes(String(compat)))
    add(['schema', 0, 'customProperties', customPropertyIndex(object.customProperties, 'compatibility'), 'value'], 'verity/compatibility', `unknown compatibility mode ${JSON.stringify(compat)}; use NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.`);
  const properties = Array.isArray(object.properties) ? (object.properties as Record<string, any>[]) : [];
  if (properties.length === 0) add(['schema', 0], 'verity/no-properties', `schema "${object.name}" declares no properties.`);
  const names = new Set<string>();
  let keys = 0;
  properties.forEach((p, i) => {
    if (!p || typeof p !== 'object') return;
    const at = (...rest: (string | number)[]) => ['schema', 0, 'properties', i, ...rest];
    if (typeof p.name === 'string') {
      if (names.has(p.name)) add(at('name'), 'verity/duplicate-property', `property "${p.name}" is declared twice.`);
      names.add(p.name);
    }
    if (p.primaryKey === true) keys++;
    propertyRules(p, at, add);
  });
  if (Array.isArray(doc.slaProperties))
    doc.slaProperties.forEach((sla: any, i: number) => {
      const element = sla?.element;
      if (typeof element !== 'string') return;
      for (const part of element.split(',').map((x: string) => x.trim())) {
        const [entity, field] = part.includes('.') ? part.split('.') : [object.name, part];
        if (entity !== object.name || (field !== undefined && !names.has(field)))
          add(['slaProperties', i, 'element'], 'verity/sla-element', `SLA element "${part}" is not a field of ${object.name}; use ${object.name}.<field> (fields: ${[...names].join(', ')}).`);
      }
    });
  if (properties.length > 0 && keys === 0)
    add(['schema', 0], 'verity/primary-key', `schema "${object.name}" has no primaryKey property; mark the entity key field with primaryKey: true.`);
}

function propertyRules(p: Record<string, any>, at: (...rest: (string | number)[]) => (string | number)[], add: Add): void {
  const type: string = p.logicalType ?? 'string';
  const options = (p.logicalTypeOptions ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!(OPTIONS_BY_TYPE[type] ?? []).includes(key))
      add(at('logicalTypeOptions', key), 'verity/type-option', `"${key}" is not an option of logicalType ${type}; allowed: ${(OPTIONS_BY_TYPE[type] ?? []).join(', ') || 'none'}.`);
  }
  if (typeof options.format === 'string' && (type === 'string' || type === 'array') && !canonicalFormat(options.format))
    add(at('logicalTypeOptions', 'format'), 'verity/format', `unknown format "${options.format}"; Verity knows email, uuid, hostname, uri, date, date-time, iso-3166-alpha2, iso-4217, e164.`);
  if (typeof options.pattern === 'string') {
    try {
      new RegExp(options.pattern, 'u');
    } catch (error) {
      add(at('logicalTypeOptions', 'pattern'), 'verity/pattern', `pattern does not compile: ${(error as Error).message}.`);
    }
  }
  if (typeof options.minimum === 'number' && typeof options.maximum === 'number' && options.minimum > options.maximum)
    add(at('logicalTypeOptions', 'minimum'), 'verity/range', `minimum ${options.minimum} is above maximum ${options.maximum}: no value can pass.`);
  if (typeof options.minLength === 'number' && typeof options.maxLength === 'number' && options.minLength > options.maxLength)
    add(at('logicalTypeOptions', 'minLength'), 'verity/range', `minLength ${options.minLength} is above maxLength ${options.maxLength}.`);
  const custom = customPropertyMap(p.customProperties);
  const cpAt = (name: string) => at('customProperties', customPropertyIndex(p.customProperties, name), 'value');
  for (const flag of ['pii', 'notInFuture'])
    if (custom.has(flag) && typeof custom.get(flag) !== 'boolean') add(cpAt(flag), 'verity/custom-property', `${flag} must be true or false.`);
  if (custom.get('notInFuture') === true && type !== 'date' && type !== 'timestamp')
    add(cpAt('notInFuture'), 'verity/custom-property', `notInFuture applies to date and timestamp fields, not ${type}.`);
  const deprecation = custom.get('deprecationDate');
  if (deprecation !== undefined && (typeof deprecation !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(deprecation)))
    add(cpAt('deprecationDate'), 'verity/custom-property', 'deprecationDate must be a date YYYY-MM-DD.');
  const purposes = custom.get('consentPurposes');
  if (purposes !== undefined && (!Array.isArray(purposes) || purposes.some((x) => typeof x !== 'string')))
    add(cpAt('consentPurposes'), 'verity/custom-property', 'consentPurposes must be a list of purpose names (e.g. [analytics, model_training]).');
  const validValues = enumValues(p);
  const transitions = custom.get('transitions');
  if (transitions !== undefined) {
    if (!transitions || typeof transitions !== 'object' || Array.isArray(transitions)) {
      add(cpAt('transitions'), 'verity/transitions', 'transitions must map each state to the list of states it may move to, e.g. {new: [contacted]}.');
    } else {
      for (const [from, to] of Object.entries(transitions as Record<string, unknown>)) {
        if (!Array.isArray(to)) add(cpAt('transitions'), 'verity/transitions', `transitions.${from} must be a list of states.`);
        const states = [from, ...(Array.isArray(to) ? to.map(String) : [])];
        if (validValues) for (const s of states) if (!validValues.includes(s)) add(cpAt('transitions'), 'verity/transitions', `transition state "${s}" is not one of the field's valid values (${validValues.join(', ')}).`);
      }
    }
  }
  if (Array.isArray(p.relationships))
    p.relationships.forEach((r: any, j: number) => {
      const to = r?.to;
      if (typeof to === 'string' && !/^[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*$/.test(to))
        add(at('relationships', j, 'to'), 'verity/reference', `relationship target "${to}" must be "<entity>.<key field>", e.g. account.account_id.`);
    });
}

/** The valid values a property declares through an ODCS `invalidValues` quality rule, if any. */
export function enumValues(p: Record<string, any>): (string | number)[] | undefined {
  if (!Array.isArray(p.quality)) return undefined;
  for (const q of p.quality) {
    if (q && q.metric === 'invalidValues' && Array.isArray(q.arguments?.validValues)) return q.arguments.validValues as (string | number)[];
  }
  return undefined;
}
