/**
 * Schema-registry style compatibility of two JSON Schemas: a level (BACKWARD, FORWARD, FULL, NONE)
 * and a policy for open content models (STRICT, LENIENT).
 */
import { VerityError } from '../../errors.js';
import { createSchemaDocument } from './schema-document.js';
import { diffSchemas } from './schema-diff.js';
import type { SchemaChange } from './schema-change.js';

/** Compatibility modes, as schema registries name them. Transitive modes compare with every earlier version. */
export const COMPATIBILITY_MODES = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
/** A compatibility mode. */
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];
/** The direction part of a mode (what one pair of versions is checked for). */
export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'FORWARD' | 'FULL';
/** How open content models are treated: STRICT assumes undeclared properties may occur, LENIENT that they don't. */
export type CompatibilityPolicy = 'STRICT' | 'LENIENT';

/** Parses a mode name, case-insensitively. */
export function parseCompatibilityMode(value: string): CompatibilityMode {
  const upper = value.trim().toUpperCase();
  if ((COMPATIBILITY_MODES as readonly string[]).includes(upper)) return upper as CompatibilityMode;
  throw new VerityError('INVALID_ARGUMENT', `Unknown compatibility level "${value}". Use one of: ${COMPATIBILITY_MODES.join(', ')}.`);
}

/** Parses a policy name, case-insensitively. */
export function parseCompatibilityPolicy(value: string): CompatibilityPolicy {
  const upper = value.trim().toUpperCase();
  if (upper === 'STRICT' || upper === 'LENIENT') return upper;
  throw new VerityError('INVALID_ARGUMENT', `Unknown compatibility policy "${value}". Use STRICT (default) or LENIENT.`);
}

/** The per-pair level of a mode. */
export function levelOf(mode: CompatibilityMode): CompatibilityLevel {
  return mode.replace('_TRANSITIVE', '') as CompatibilityLevel;
}

/** Options for {@link checkSchemaCompatibility}. */
export interface SchemaCompatibilityOptions {
  level?: CompatibilityLevel | CompatibilityMode;
  policy?: CompatibilityPolicy;
  /** Names for messages (e.g. file names). */
  oldLabel?: string;
  newLabel?: string;
}

/** The verdict of a compatibility check. */
export interface SchemaCompatibilityResult {
  compatible: boolean;
  level: CompatibilityLevel;
  policy: CompatibilityPolicy;
  /** Every change found, each classified for both directions. */
  changes: SchemaChange[];
  /** The changes that break the requested level. */
  breaking: SchemaChange[];
}

/** True when `c` breaks `level`. */
export function breaks(c: SchemaChange, level: CompatibilityLevel): boolean {
  switch (level) {
    case 'NONE':
      return false;
    case 'BACKWARD':
      return !c.backward;
    case 'FORWARD':
      return !c.forward;
    case 'FULL':
      return !c.backward || !c.forward;
  }
}

/**
 * Checks whether `newSchema` is compatible with `oldSchema` at `level` (default BACKWARD: the new
 * schema can read data written with the old one) under `policy` (default STRICT).
 *
 * @throws VerityError `UNPROCESSABLE` for a `$ref` that points nowhere or outside the document, or a
 *   `$ref` chain that loops.
 * @example
 * checkSchemaCompatibility({ type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 });
 * // → { compatible: false, breaking: [{ type: 'STRING_TYPE_MAX_LENGTH_DECREASED', path: '#', … }], … }
 */
export function checkSchemaCompatibility(oldSchema: unknown, newSchema: unknown, options: SchemaCompatibilityOptions = {}): SchemaCompatibilityResult {
  const level = levelOf(options.level ?? 'BACKWARD');
  const policy = options.policy ?? 'STRICT';
  const changes = diffSchemas(createSchemaDocument(oldSchema, options.oldLabel ?? 'old schema'), createSchemaDocument(newSchema, options.newLabel ?? 'new schema'), { lenient: policy === 'LENIENT' });
  const breaking = changes.filter((c) => breaks(c, level));
  return { compatible: breaking.length === 0, level, policy, changes, breaking };
}
