/**
 * Verity's additions to ODCS, carried in `customProperties` (the standard's extension point).
 *
 * Property level: `pii` (boolean), `notInFuture` (boolean), `transitions` (map from a state to the
 * states it may move to), `consentPurposes` (the purposes a consent field may list),
 * `deprecationDate` (YYYY-MM-DD). Schema-object level: `contentModel` (`closed` = STRICT, unknown
 * fields rejected; `open`), `compatibility` (the registry mode for this entity).
 * References use ODCS's own property-level `relationships` (`to: account.account_id`).
 */

/** Property-level custom properties Verity understands. */
export const PROPERTY_CUSTOM_PROPERTIES = ['pii', 'notInFuture', 'transitions', 'consentPurposes', 'deprecationDate'] as const;
/** Schema-object-level custom properties Verity understands. */
export const OBJECT_CUSTOM_PROPERTIES = ['contentModel', 'compatibility'] as const;

/** Reads an ODCS `customProperties` list into a map (last one wins). */
export function customPropertyMap(list: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(list))
    for (const item of list) {
      if (item && typeof item === 'object' && typeof (item as { property?: unknown }).property === 'string')
        map.set((item as { property: string }).property, (item as { value?: unknown }).value);
    }
  return map;
}

/** Returns the index of a custom property in an ODCS list, for positions. */
export function customPropertyIndex(list: unknown, name: string): number {
  return Array.isArray(list) ? list.findIndex((i) => i && typeof i === 'object' && (i as { property?: unknown }).property === name) : -1;
}
