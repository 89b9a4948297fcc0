/**
 * Typed changes between two JSON Schemas. Names follow Apicurio Registry's `DiffType` where one
 * exists (e.g. `STRING_TYPE_MAX_LENGTH_DECREASED`); Verity adds a few for cases Apicurio folds
 * together (`SUBSCHEMA_TYPE_EXTENDED`, `ENUM_TYPE_ADDED`, …).
 */

/** One structural change from the old schema to the new one. */
export interface SchemaChange {
  /** The change type, e.g. `STRING_TYPE_MAX_LENGTH_DECREASED`. */
  type: string;
  /** JSON pointer (in the new schema, or the old one for removals), e.g. `#/properties/name`. */
  path: string;
  /** True when the new schema still accepts every instance the old one accepted (new reads old data). */
  backward: boolean;
  /** True when the old schema accepts every instance the new one accepts (old reads new data). */
  forward: boolean;
  /** A readable sentence. */
  message: string;
}

/** Builds a change. */
export function change(type: string, path: string, backward: boolean, forward: boolean, message: string): SchemaChange {
  return { type, path, backward, forward, message };
}

/** True when every change keeps backward compatibility. */
export function allBackward(changes: readonly SchemaChange[]): boolean {
  for (const c of changes) if (!c.backward) return false;
  return true;
}

/** True when every change keeps forward compatibility. */
export function allForward(changes: readonly SchemaChange[]): boolean {
  for (const c of changes) if (!c.forward) return false;
  return true;
}

/** `TYPE #/path` — the compact form the CLI prints. */
export function changeLabel(c: SchemaChange): string {
  return `${c.type} ${c.path}`;
}

/** A short summary of nested changes for a wrapping change's message. */
export function summarize(changes: readonly SchemaChange[], max = 3): string {
  if (changes.length === 0) return 'no constraint differs';
  const head = changes.slice(0, max).map(changeLabel).join(', ');
  return changes.length > max ? `${head} and ${changes.length - max} more` : head;
}
