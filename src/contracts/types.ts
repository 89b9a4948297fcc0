/**
 * The narrow validation interface the ingest gate and other consumers use. The contracts module
 * compiles ODCS contracts into {@link RecordValidator}s; the gate only sees this interface.
 */

/** One rule a record broke. Data, not an exception. */
export interface Violation {
  /** The field concerned (dot path for nested fields), or `""` for record-level rules. */
  field: string;
  /** The rule's stable name: `required`, `type`, `format`, `enum`, `pattern`, `minimum`, `maximum`, `transition`, `reference`, `unknown_field`, … */
  rule: string;
  /** The offending value, masked (e.g. `j***@e***.com`) when the field is PII. */
  value?: unknown;
  /** A readable sentence: what, where, and what was expected. */
  message: string;
}

/** How to validate one record. */
export interface ValidateOptions {
  /** The record carries only some fields (a partial update): skip `required` for absent fields. */
  partial?: boolean;
  /** The record's previous state (for state-transition rules). */
  previous?: Record<string, unknown>;
  /** Looks up whether another entity's key exists (for reference rules); absent means "don't check". */
  exists?: (entity: string, key: string) => boolean;
}

/** A compiled contract for one entity. */
export interface RecordValidator {
  /** The entity it validates. */
  readonly entity: string;
  /** The contract version, e.g. `1.0.0`; recorded as the envelope's `schema_version`. */
  readonly version: string;
  /** The entity key fields, in key order. */
  readonly keyFields: readonly string[];
  /** Returns every violation (empty when valid). Never throws on bad data. */
  validate(record: Record<string, unknown>, options?: ValidateOptions): Violation[];
}

/** Finds the current validator for an entity (of a tenant). */
export interface ContractResolver {
  validatorFor(entity: string, tenant_id?: string): RecordValidator | undefined;
}
