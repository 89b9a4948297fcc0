import type { Feature, FeatureContract, FeatureView } from './feature-view.js';

/** How a value broke its feature contract. */
export type ContractViolationKind = 'null' | 'type' | 'range' | 'allowed';

/**
 * Coerces a value to a feature's contract type (numbers from numeric strings, booleans from
 * `"true"`/`"false"`, timestamps to ISO strings) and applies the null policy's fill. Returns the
 * value and, when it breaks the contract, why. Used by offline retrieval and online reads alike.
 */
export function conformValue(contract: FeatureContract, value: unknown): { value: unknown; violation?: ContractViolationKind } {
  let v = value === undefined ? null : value;
  if (v !== null) {
    switch (contract.type) {
      case 'number':
      case 'integer': {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (!Number.isFinite(n)) return { value: null, violation: 'type' };
        if (contract.type === 'integer' && !Number.isInteger(n)) return { value: null, violation: 'type' };
        v = n;
        break;
      }
      case 'boolean':
        if (v === 'true' || v === 'false') v = v === 'true';
        if (typeof v !== 'boolean') return { value: null, violation: 'type' };
        break;
      case 'timestamp': {
        const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
        if (Number.isNaN(ms)) return { value: null, violation: 'type' };
        v = new Date(ms).toISOString();
        break;
      }
      case 'string':
        v = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
        break;
    }
  }
  if (v === null) {
    const nulls = contract.nulls ?? 'allow';
    if (nulls === 'forbid') return { value: null, violation: 'null' };
    if (typeof nulls === 'object') return { value: nulls.fill };
    return { value: null };
  }
  if (typeof v === 'number' && ((contract.min !== undefined && v < contract.min) || (contract.max !== undefined && v > contract.max))) return { value: v, violation: 'range' };
  if (contract.allowed && !contract.allowed.includes(v as string)) return { value: v, violation: 'allowed' };
  return { value: v };
}

/**
 * Computes a view's derived features from its base feature values, in definition order (a derived
 * feature may read earlier derived ones). A derived function that throws yields null for that
 * feature. THE one implementation: offline retrieval and online reads both call it.
 */
export function computeDerived(view: FeatureView, base: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = { ...base };
  const out: Record<string, unknown> = {};
  for (const f of view.features) {
    if (f.kind !== 'derived') continue;
    let v: unknown;
    try {
      v = f.compute(Object.freeze({ ...values }));
    } catch {
      v = null;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) v = null;
    const c = conformValue(f.contract, v);
    values[f.name] = c.value;
    out[f.name] = c.value;
  }
  return out;
}

/** The DuckDB type of a feature's contract type. */
export function sqlTypeOf(feature: Feature): string {
  switch (feature.contract.type) {
    case 'number':
      return 'DOUBLE';
    case 'integer':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    default:
      return 'VARCHAR';
  }
}
