/**
 * The contract registry: every published contract version, stored immutably and addressed by the
 * SHA-256 of its canonical content, with a compatibility mode and policy per entity.
 */
import type { Contract } from '../contract-model.js';
import type { CompatibilityMode, CompatibilityPolicy } from '../compat/check-compatibility.js';
import type { ContractChange, ConsumerDeclaration } from '../contract-diff.js';

/** One published version. */
export interface RegistryEntry {
  entity: string;
  version: string;
  /** `sha256:<hex>` of the canonical JSON of the ODCS document. */
  digest: string;
  published_at: string;
  actor: string;
  /** The ODCS document, as published. */
  document: Record<string, unknown>;
}

/** An entity's compatibility settings. */
export interface SubjectConfig {
  mode: CompatibilityMode;
  policy: CompatibilityPolicy;
}

/** Options for {@link Registry.publish}. */
export interface PublishOptions {
  /** Who publishes (recorded in the entry and the audit fact). */
  actor?: string;
  /** Declared consumers, named in the breaking changes. */
  consumers?: readonly ConsumerDeclaration[];
}

/** What a publish did. */
export interface PublishResult {
  entity: string;
  version: string;
  digest: string;
  /** False when the same version with the same content was already published (idempotent). */
  created: boolean;
  /** The version it was compared with (the latest before it), if any. */
  previous?: string;
  mode: CompatibilityMode;
  /** Every change from the previous version (breaking ones were accepted only with a major bump). */
  changes: ContractChange[];
}

/** What an implementation declares about itself. */
export interface RegistryCapabilities {
  /** Several processes/hosts may publish concurrently and see each other's versions. */
  shared: boolean;
}

/**
 * The registry contract every implementation (files, PostgreSQL) fulfils; both run the suite in
 * `test/conformance/registry.ts`.
 */
export interface Registry {
  readonly capabilities: RegistryCapabilities;
  /**
   * Publishes a contract version. Refuses (VerityError `INCOMPATIBLE_CHANGE`, details: the
   * breaking changes) an incompatible change without a major version bump; refuses (`CONFLICT`)
   * an existing version with different content or a version not above the latest.
   */
  publish(contract: Contract, options?: PublishOptions): Promise<PublishResult>;
  /** A version of an entity, or its latest when `version` is omitted. */
  get(entity: string, version?: string): Promise<RegistryEntry | undefined>;
  /** Every version of an entity, oldest first. */
  versions(entity: string): Promise<RegistryEntry[]>;
  /** Every entity with at least one version or a config. */
  entities(): Promise<string[]>;
  /** The entity's compatibility settings (default BACKWARD / STRICT, or the contract's own `compatibility`). */
  config(entity: string): Promise<SubjectConfig>;
  /** Sets the entity's compatibility settings. */
  setConfig(entity: string, config: Partial<SubjectConfig>): Promise<SubjectConfig>;
  /** Releases resources; safe to call twice. */
  close(): Promise<void>;
}

/** The storage an implementation provides; {@link createRegistry} adds the rules on top. */
export interface RegistryStore {
  readonly capabilities: RegistryCapabilities;
  list(entity: string): Promise<RegistryEntry[]>;
  /** Inserts atomically; returns false when the (entity, version) already exists. */
  insert(entry: RegistryEntry): Promise<boolean>;
  entities(): Promise<string[]>;
  getConfig(entity: string): Promise<Partial<SubjectConfig> | undefined>;
  putConfig(entity: string, config: SubjectConfig): Promise<void>;
  close(): Promise<void>;
}
