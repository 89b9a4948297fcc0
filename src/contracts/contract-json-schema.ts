/**
 * Exports a contract as a JSON Schema (draft 2020-12), for other tools and for the structural
 * compatibility checker. Verity-only rules (transitions, references, PII, "not in the future")
 * travel as `x-verity-*` annotations, which validators ignore.
 */
import type { Contract, FieldSpec } from './contract-model.js';
import { formatToJsonSchema } from './formats.js';

/** A JSON Schema document. */
export type JsonSchema = Record<string, unknown> | boolean;

function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  switch (field.logicalType) {
    case 'date':
      Object.assign(s, { type: 'string', format: 'date' });
      break;
    case 'timestamp':
      Object.assign(s, { type: 'string', format: 'date-time' });
      break;
    case 'time':
      Object.assign(s, { type: 'string', format: 'time' });
      break;
    default:
      s.type = field.logicalType;
  }
  if (field.logicalType === 'string' && field.format) Object.assign(s, formatToJsonSchema(field.format));
  if (field.enum) s.enum = [...field.enum];
  if (field.pattern !== undefined) s.pattern = field.pattern;
  for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'uniqueItems'] as const)
    if (field[key] !== undefined) s[key] = field[key];
  if (field.items) {
    const items: Record<string, unknown> = { type: field.items.logicalType };
    if (field.items.enum) items.enum = [...field.items.enum];
    if (field.items.format) Object.assign(items, formatToJsonSchema(field.items.format));
    s.items = items;
  }
  if (field.description) s.description = field.description;
  if (field.pii) s['x-verity-pii'] = true;
  if (field.notInFuture) s['x-verity-not-in-future'] = true;
  if (field.reference) s['x-verity-reference'] = `${field.reference.entity}.${field.reference.field}`;
  if (field.transitions) s['x-verity-transitions'] = field.transitions;
  if (field.deprecationDate) s.deprecated = true;
  // Absent and null are both allowed for optional fields (ODCS `required: false` admits nulls).
  if (!field.required) {
    s.type = [s.type, 'null'];
    if (Array.isArray(s.enum)) s.enum = [...(s.enum as unknown[]), null];
  }
  return s;
}

/**
 * The contract as a JSON Schema 2020-12 document: one property per field, `required` from the
 * contract, and `additionalProperties: false` when the contract is closed (STRICT).
 * @example
 * contractToJsonSchema(readContractFile('contracts/contact.odcs.yaml')).required; // ['contact_id', 'email', …]
 */
export function contractToJsonSchema(contract: Contract): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of contract.fields) properties[f.name] = fieldSchema(f);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:verity:contract:${contract.entity}:${contract.version}`,
    title: `${contract.entity} ${contract.version}`,
    type: 'object',
    properties,
    required: contract.fields.filter((f) => f.required).map((f) => f.name),
    ...(contract.closed ? { additionalProperties: false } : {}),
  };
}
