/**
 * Verity's in-memory view of one ODCS v3.1 contract: the parts the validator, the diff, the docs
 * and the registry need, extracted once from the YAML document (see `read-contract.ts`).
 */

/** The logical types of ODCS v3.1 properties. */
export type LogicalType = 'string' | 'date' | 'timestamp' | 'time' | 'number' | 'integer' | 'object' | 'array' | 'boolean';

/** Allowed state transitions of a status field: `from` state → states it may move to. */
export type Transitions = Readonly<Record<string, readonly string[]>>;

/** A reference from a field to another entity's key field (an ODCS `relationships` foreign key). */
export interface FieldReference {
  entity: string;
  field: string;
}

/** One field of an entity, with every rule a record must satisfy. */
export interface FieldSpec {
  name: string;
  logicalType: LogicalType;
  description?: string;
  businessName?: string;
  required: boolean;
  unique: boolean;
  primaryKey: boolean;
  /** Canonical Verity format name (`email`, `iso-3166-alpha2`, …). */
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** Allowed values (ODCS quality `invalidValues` with `validValues`). */
  enum?: readonly (string | number)[];
  /** For arrays: the type, allowed values and format of items. */
  items?: { logicalType: LogicalType; enum?: readonly (string | number)[]; format?: string };
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  /** Personal data: values are masked in violations and docs. */
  pii: boolean;
  classification?: string;
  /** Dates and timestamps that may not lie in the future (clock-injected). */
  notInFuture: boolean;
  reference?: FieldReference;
  transitions?: Transitions;
  /** For a field that lists consent purposes: the purposes it may contain. */
  consentPurposes?: readonly string[];
  /** The date after which the field is removed (a deprecation window). */
  deprecationDate?: string;
}

/** A person or group named by the contract (ODCS team members and roles). */
export interface ContractParty {
  username: string;
  name?: string;
  role: string;
}

/** A service-level objective declared in ODCS `slaProperties`. */
export interface ServiceLevel {
  property: string;
  value: string | number | boolean | null;
  unit?: string;
  element?: string;
  description?: string;
}

/** A compiled view of one ODCS contract for one entity. */
export interface Contract {
  /** The ODCS `id`. */
  id: string;
  /** The ODCS `name` (or the entity when absent). */
  name: string;
  /** The contract version (semver). */
  version: string;
  /** The ODCS `status` (`active`, `draft`, `deprecated`, …). */
  status: string;
  /** The entity the contract describes (the schema object's name). */
  entity: string;
  description?: string;
  domain?: string;
  /** Key fields in key order (`primaryKey` properties by `primaryKeyPosition`). */
  keyFields: string[];
  fields: FieldSpec[];
  /** Closed content model: fields not declared are rejected (STRICT). */
  closed: boolean;
  /** Consent purposes records of this entity may carry (union of every consent field's purposes). */
  consentPurposes: string[];
  owners: ContractParty[];
  stewards: ContractParty[];
  consumers: ContractParty[];
  /** Every team member and role, as declared. */
  parties: ContractParty[];
  sla: ServiceLevel[];
  /** Compatibility mode requested for this entity's registry subject (custom property), if any. */
  compatibility?: string;
  /** The raw ODCS document (plain JSON). */
  document: Record<string, unknown>;
}
