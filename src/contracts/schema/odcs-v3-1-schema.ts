/**
 * A JSON Schema (draft 2019-09 subset, plain Ajv) for ODCS v3.1 contract documents.
 *
 * Written by Verity from the Open Data Contract Standard v3.1.0 specification
 * (bitol-io/open-data-contract-standard, Apache-2.0): the same required fields, property names,
 * enumerations and closed objects as the official `odcs-json-schema-v3.1.0.json`. The official file
 * expresses per-`logicalType` options with `if`/`then` and `unevaluatedProperties`; this one lists the
 * union of allowed option keys and leaves per-type option checks to Verity's own lint rules
 * (`lint-contract.ts`), which report them with the same file/line/column positions.
 */

const tags = { type: 'array', items: { type: 'string' } } as const;
const customProperties = {
  type: 'array',
  items: {
    type: 'object',
    required: ['property', 'value'],
    additionalProperties: false,
    properties: { property: { type: 'string' }, value: {}, description: { type: 'string' } },
  },
} as const;
const authoritativeDefinitions = {
  type: 'array',
  items: {
    type: 'object',
    required: ['url', 'type'],
    additionalProperties: false,
    properties: { url: { type: 'string' }, type: { type: 'string' }, description: { type: 'string' } },
  },
} as const;
const stringOrStrings = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] } as const;
const relationship = {
  type: 'object',
  additionalProperties: false,
  properties: { type: { enum: ['foreignKey'] }, from: stringOrStrings, to: stringOrStrings, customProperties },
} as const;
const operators = {
  mustBe: {},
  mustNotBe: {},
  mustBeGreaterThan: { type: 'number' },
  mustBeGreaterOrEqualTo: { type: 'number' },
  mustBeLessThan: { type: 'number' },
  mustBeLessOrEqualTo: { type: 'number' },
  mustBeBetween: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
  mustNotBeBetween: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
} as const;
const quality = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    properties: {
      authoritativeDefinitions,
      businessImpact: { type: 'string' },
      customProperties,
      description: { type: 'string' },
      dimension: { enum: ['accuracy', 'completeness', 'conformity', 'consistency', 'coverage', 'timeliness', 'uniqueness'] },
      method: { type: 'string' },
      name: { type: 'string' },
      schedule: { type: 'string' },
      scheduler: { type: 'string' },
      severity: { type: 'string' },
      tags,
      type: { enum: ['text', 'library', 'sql', 'custom'] },
      unit: { type: 'string' },
      metric: { enum: ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount'] },
      rule: { type: 'string' },
      arguments: { type: 'object' },
      query: { type: 'string' },
      engine: { type: 'string' },
      implementation: { oneOf: [{ type: 'string' }, { type: 'object' }] },
      ...operators,
    },
  },
} as const;
const logicalTypeOptions = {
  type: 'object',
  additionalProperties: false,
  properties: {
    minLength: { type: 'integer', minimum: 0 },
    maxLength: { type: 'integer', minimum: 0 },
    pattern: { type: 'string' },
    format: { type: 'string' },
    minimum: { type: ['number', 'string'] },
    maximum: { type: ['number', 'string'] },
    exclusiveMinimum: { type: ['number', 'string'] },
    exclusiveMaximum: { type: ['number', 'string'] },
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    timezone: { type: 'boolean' },
    defaultTimezone: { type: 'string' },
    maxProperties: { type: 'integer', minimum: 0 },
    minProperties: { type: 'integer', minimum: 0 },
    required: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    maxItems: { type: 'integer', minimum: 0 },
    minItems: { type: 'integer', minimum: 0 },
    uniqueItems: { type: 'boolean' },
  },
} as const;
const basePropertyFields = {
  name: { type: 'string' },
  physicalType: { type: 'string' },
  physicalName: { type: 'string' },
  description: { type: 'string' },
  businessName: { type: 'string' },
  authoritativeDefinitions,
  tags,
  customProperties,
  primaryKey: { type: 'boolean' },
  primaryKeyPosition: { type: 'integer' },
  logicalType: { enum: ['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', 'boolean'] },
  logicalTypeOptions,
  required: { type: 'boolean' },
  unique: { type: 'boolean' },
  partitioned: { type: 'boolean' },
  partitionKeyPosition: { type: 'integer' },
  classification: { type: 'string' },
  encryptedName: { type: 'string' },
  transformSourceObjects: { type: 'array', items: { type: 'string' } },
  transformLogic: { type: 'string' },
  transformDescription: { type: 'string' },
  examples: { type: 'array' },
  criticalDataElement: { type: 'boolean' },
  relationships: { type: 'array', items: { allOf: [{ $ref: '#/$defs/Relationship' }, { required: ['to'], not: { required: ['from'] } }] } },
  quality,
  properties: { type: 'array', items: { $ref: '#/$defs/SchemaProperty' } },
  items: { $ref: '#/$defs/SchemaItemProperty' },
} as const;
const role = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: {
    role: { type: 'string' },
    description: { type: 'string' },
    access: { type: 'string' },
    firstLevelApprovers: { type: 'string' },
    secondLevelApprovers: { type: 'string' },
    customProperties,
  },
} as const;

/** The ODCS v3.1 document schema Verity lints contracts against. */
export const ODCS_V3_1_SCHEMA = {
  $id: 'https://verity.dev/schemas/odcs-v3.1.json',
  title: 'Open Data Contract Standard (ODCS) v3.1 — Verity lint schema',
  type: 'object',
  required: ['version', 'apiVersion', 'kind', 'id', 'status'],
  additionalProperties: false,
  properties: {
    version: { type: 'string' },
    kind: { enum: ['DataContract'] },
    apiVersion: { enum: ['v3.1.0', 'v3.0.2', 'v3.0.1', 'v3.0.0', 'v2.2.2', 'v2.2.1', 'v2.2.0'] },
    id: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: 'string' },
    tags,
    status: { type: 'string' },
    servers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { server: { type: 'string' }, type: { type: 'string' }, description: { type: 'string' }, environment: { type: 'string' }, roles: { type: 'array', items: role }, customProperties },
      },
    },
    dataProduct: { type: 'string' },
    description: {
      type: 'object',
      additionalProperties: false,
      properties: { usage: { type: 'string' }, purpose: { type: 'string' }, limitations: { type: 'string' }, authoritativeDefinitions, customProperties },
    },
    domain: { type: 'string' },
    schema: { type: 'array', items: { $ref: '#/$defs/SchemaObject' } },
    support: {
      type: 'array',
      items: {
        type: 'object',
        required: ['channel'],
        additionalProperties: false,
        properties: {
          channel: { type: 'string' },
          url: { type: 'string' },
          description: { type: 'string' },
          tool: { type: 'string' },
          scope: { type: 'string' },
          invitationUrl: { type: 'string' },
          customProperties,
        },
      },
    },
    price: {
      type: 'object',
      additionalProperties: false,
      properties: { priceAmount: { type: 'number' }, priceCurrency: { type: 'string' }, priceUnit: { type: 'string' } },
    },
    team: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        description: { type: 'string' },
        members: {
          type: 'array',
          items: {
            type: 'object',
            required: ['username'],
            additionalProperties: false,
            properties: {
              username: { type: 'string' },
              name: { type: 'string' },
              description: { type: 'string' },
              role: { type: 'string' },
              dateIn: { type: 'string', format: 'date' },
              dateOut: { type: 'string', format: 'date' },
              replacedByUsername: { type: 'string' },
              tags,
              customProperties,
              authoritativeDefinitions,
            },
          },
        },
        tags,
        customProperties,
        authoritativeDefinitions,
      },
    },
    roles: { type: 'array', items: role },
    slaDefaultElement: { type: 'string' },
    slaProperties: {
      type: 'array',
      items: {
        type: 'object',
        required: ['property', 'value'],
        additionalProperties: false,
        properties: {
          property: { type: 'string' },
          value: { type: ['string', 'number', 'boolean', 'null'] },
          valueExt: { type: ['string', 'number', 'boolean', 'null'] },
          unit: { type: 'string' },
          element: { type: 'string' },
          driver: { type: 'string' },
          description: { type: 'string' },
          scheduler: { type: 'string' },
          schedule: { type: 'string' },
        },
      },
    },
    authoritativeDefinitions,
    customProperties,
    contractCreatedTs: { type: 'string', format: 'date-time' },
  },
  $defs: {
    Relationship: relationship,
    SchemaObject: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        physicalType: { type: 'string' },
        physicalName: { type: 'string' },
        description: { type: 'string' },
        businessName: { type: 'string' },
        authoritativeDefinitions,
        tags,
        customProperties,
        logicalType: { enum: ['object'] },
        dataGranularityDescription: { type: 'string' },
        properties: { type: 'array', items: { $ref: '#/$defs/SchemaProperty' } },
        relationships: { type: 'array', items: { allOf: [{ $ref: '#/$defs/Relationship' }, { required: ['from', 'to'] }] } },
        quality,
      },
    },
    SchemaProperty: { type: 'object', required: ['name'], additionalProperties: false, properties: basePropertyFields },
    SchemaItemProperty: { type: 'object', additionalProperties: false, properties: basePropertyFields },
  },
} as const;
