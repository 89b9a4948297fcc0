/**
 * The object and array parts of the schema diff: properties under open, closed and partially
 * open content models, required members, dependencies, pattern properties, tuples and items.
 */
import { allBackward, allForward, change, summarize, type SchemaChange } from './schema-change.js';
import { at, lowerLimit, upperLimit, type DiffContext } from './schema-diff-context.js';

type Obj = Record<string, unknown>;

const isOpen = (v: unknown) => v === undefined || v === true;
const asObject = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The schema an object applies to a property name it does not declare (pattern or additional). */
function effectiveFor(s: Obj, name: string): { schema: unknown; open: boolean } {
  for (const [pattern, schema] of Object.entries(asObject(s.patternProperties))) {
    try {
      if (new RegExp(pattern, 'u').test(name)) return { schema, open: false };
    } catch {
      // An invalid pattern matches nothing; the schema's own validation reports it.
    }
  }
  const additional = s.additionalProperties;
  return { schema: additional ?? true, open: isOpen(additional) };
}

/** Compares a "rest" schema (additionalProperties / additionalItems) and names the change. */
function openness(ctx: DiffContext, a: unknown, b: unknown, path: string, prefix: string, schemaPrefix: string, out: SchemaChange[]): void {
  const x = a ?? true;
  const y = b ?? true;
  const lenientBack = ctx.lenient && isOpen(a);
  const lenientFwd = ctx.lenient && isOpen(b);
  if (typeof x === 'boolean' && typeof y === 'boolean') {
    if (x === y) return;
    if (!x) out.push(change(`${prefix}_FALSE_TO_TRUE`, path, true, lenientFwd, `${path} opened: instances may now carry undeclared members`));
    else out.push(change(`${prefix}_TRUE_TO_FALSE`, path, lenientBack, true, `${path} closed: undeclared members are now rejected`));
    return;
  }
  const sub = ctx.diff(x, y, path);
  if (sub.length === 0) return;
  const back = lenientBack || allBackward(sub);
  const fwd = lenientFwd || allForward(sub);
  const kind = back && fwd ? 'SCHEMA_CHANGED' : back ? 'EXTENDED' : fwd ? 'NARROWED' : 'SCHEMA_CHANGED';
  out.push(change(`${kind === 'SCHEMA_CHANGED' ? schemaPrefix + '_CHANGED' : prefix + '_' + kind}`, path, back, fwd, `${path}: ${summarize(sub)}`));
}

/** Object keywords. */
export function diffObject(ctx: DiffContext, a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  const pa = asObject(a.properties);
  const pb = asObject(b.properties);
  for (const name of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    const p = at(path, 'properties', name);
    const inA = pa[name] !== undefined;
    const inB = pb[name] !== undefined;
    if (inA && inB) {
      out.push(...ctx.diff(pa[name], pb[name], p));
    } else if (inA) {
      const eff = effectiveFor(b, name);
      const sub = ctx.diff(pa[name], eff.schema, p);
      out.push(change('OBJECT_TYPE_PROPERTY_SCHEMA_REMOVED', p, allBackward(sub), (ctx.lenient && eff.open) || allForward(sub), eff.schema === false ? `property "${name}" removed; the new (closed) schema rejects it` : `property "${name}" removed; the new schema applies ${eff.open ? 'its open content model' : 'additional/pattern properties'} to it (${summarize(sub)})`));
    } else {
      const eff = effectiveFor(a, name);
      const sub = ctx.diff(eff.schema, pb[name], p);
      out.push(change('OBJECT_TYPE_PROPERTY_SCHEMA_ADDED', p, (ctx.lenient && eff.open) || allBackward(sub), allForward(sub), `property "${name}" added (${eff.schema === false ? 'the old schema rejected it' : summarize(sub)})`));
    }
  }
  openness(ctx, a.additionalProperties, b.additionalProperties, at(path, 'additionalProperties'), 'OBJECT_TYPE_ADDITIONAL_PROPERTIES', 'OBJECT_TYPE_ADDITIONAL_PROPERTIES_SCHEMA', out);

  const ra = new Set(Array.isArray(a.required) ? (a.required as string[]) : []);
  const rb = new Set(Array.isArray(b.required) ? (b.required as string[]) : []);
  for (const name of rb) if (!ra.has(name)) out.push(change('OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_ADDED', at(path, 'properties', name), false, true, `property "${name}" became required`));
  for (const name of ra) if (!rb.has(name)) out.push(change('OBJECT_TYPE_REQUIRED_PROPERTIES_MEMBER_REMOVED', at(path, 'properties', name), true, false, `property "${name}" is no longer required`));

  lowerLimit(a, b, 'minProperties', 'OBJECT_TYPE_MIN_PROPERTIES', at(path, 'minProperties'), out);
  upperLimit(a, b, 'maxProperties', 'OBJECT_TYPE_MAX_PROPERTIES', at(path, 'maxProperties'), out);

  if (a.propertyNames !== undefined || b.propertyNames !== undefined) {
    const p = at(path, 'propertyNames');
    if (a.propertyNames === undefined) out.push(change('OBJECT_TYPE_PROPERTY_NAMES_ADDED', p, false, true, 'propertyNames constraint added'));
    else if (b.propertyNames === undefined) out.push(change('OBJECT_TYPE_PROPERTY_NAMES_REMOVED', p, true, false, 'propertyNames constraint removed'));
    else out.push(...ctx.diff(a.propertyNames, b.propertyNames, p));
  }

  const [reqA, schA] = dependencies(a);
  const [reqB, schB] = dependencies(b);
  for (const key of new Set([...reqA.keys(), ...reqB.keys()])) {
    const p = at(path, 'dependentRequired', key);
    const x = reqA.get(key);
    const y = reqB.get(key);
    if (!x) out.push(change('OBJECT_TYPE_PROPERTY_DEPENDENCIES_KEYS_MEMBER_ADDED', p, false, true, `"${key}" now requires ${y!.join(', ')}`));
    else if (!y) out.push(change('OBJECT_TYPE_PROPERTY_DEPENDENCIES_KEYS_MEMBER_REMOVED', p, true, false, `"${key}" no longer requires ${x.join(', ')}`));
    else {
      const added = y.filter((m) => !x.includes(m));
      const removed = x.filter((m) => !y.includes(m));
      if (added.length) out.push(change('OBJECT_TYPE_PROPERTY_DEPENDENCIES_VALUE_MEMBER_ADDED', p, false, true, `"${key}" now also requires ${added.join(', ')}`));
      if (removed.length) out.push(change('OBJECT_TYPE_PROPERTY_DEPENDENCIES_VALUE_MEMBER_REMOVED', p, true, false, `"${key}" no longer requires ${removed.join(', ')}`));
    }
  }
  for (const key of new Set([...schA.keys(), ...schB.keys()])) {
    const p = at(path, 'dependentSchemas', key);
    if (!schA.has(key)) out.push(change('OBJECT_TYPE_SCHEMA_DEPENDENCIES_MEMBER_ADDED', p, false, true, `schema dependency on "${key}" added`));
    else if (!schB.has(key)) out.push(change('OBJECT_TYPE_SCHEMA_DEPENDENCIES_MEMBER_REMOVED', p, true, false, `schema dependency on "${key}" removed`));
    else out.push(...ctx.diff(schA.get(key), schB.get(key), p));
  }

  const ppa = asObject(a.patternProperties);
  const ppb = asObject(b.patternProperties);
  for (const pattern of new Set([...Object.keys(ppa), ...Object.keys(ppb)])) {
    const p = at(path, 'patternProperties', pattern);
    if (ppa[pattern] === undefined) out.push(change('OBJECT_TYPE_PATTERN_PROPERTY_KEYS_MEMBER_ADDED', p, false, true, `pattern property /${pattern}/ added`));
    else if (ppb[pattern] === undefined) out.push(change('OBJECT_TYPE_PATTERN_PROPERTY_KEYS_MEMBER_REMOVED', p, true, false, `pattern property /${pattern}/ removed`));
    else out.push(...ctx.diff(ppa[pattern], ppb[pattern], p));
  }
}

function dependencies(s: Obj): [Map<string, string[]>, Map<string, unknown>] {
  const required = new Map<string, string[]>();
  const schemas = new Map<string, unknown>();
  for (const source of [s.dependencies, s.dependentRequired, s.dependentSchemas]) {
    for (const [key, value] of Object.entries(asObject(source))) {
      if (Array.isArray(value)) required.set(key, value.map(String));
      else schemas.set(key, value);
    }
  }
  return [required, schemas];
}

/** Prefix (tuple) items and the schema for the remaining items, across drafts. */
function tuple(s: Obj): { prefix: unknown[]; rest: unknown; restKey: string } {
  if (Array.isArray(s.items)) return { prefix: s.items, rest: s.additionalItems ?? true, restKey: 'additionalItems' };
  if (Array.isArray(s.prefixItems)) return { prefix: s.prefixItems, rest: s.items ?? true, restKey: 'items' };
  return { prefix: [], rest: s.items ?? true, restKey: 'items' };
}

/** Array keywords. */
export function diffArray(ctx: DiffContext, a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  const ta = tuple(a);
  const tb = tuple(b);
  const n = Math.max(ta.prefix.length, tb.prefix.length);
  if (ta.prefix.length !== tb.prefix.length)
    out.push(change(ta.prefix.length < tb.prefix.length ? 'ARRAY_TYPE_ITEMS_SCHEMAS_LENGTH_INCREASED' : 'ARRAY_TYPE_ITEMS_SCHEMAS_LENGTH_DECREASED', at(path, 'items'), true, true, `tuple length changed from ${ta.prefix.length} to ${tb.prefix.length}; positions compared one by one`));
  for (let i = 0; i < n; i++) {
    const p = at(path, 'items', i);
    const x = i < ta.prefix.length ? ta.prefix[i] : ta.rest;
    const y = i < tb.prefix.length ? tb.prefix[i] : tb.rest;
    const sub = ctx.diff(x, y, p);
    if (i < ta.prefix.length && i < tb.prefix.length) out.push(...sub);
    else if (sub.length)
      out.push(change(i < tb.prefix.length ? 'ARRAY_TYPE_ITEM_SCHEMA_ADDED' : 'ARRAY_TYPE_ITEM_SCHEMA_REMOVED', p, allBackward(sub), allForward(sub), `item ${i} ${i < tb.prefix.length ? 'now has its own schema' : 'now falls under the remaining-items schema'} (${summarize(sub)})`));
  }
  if (ta.prefix.length === 0 && tb.prefix.length === 0) {
    out.push(...ctx.diff(ta.rest, tb.rest, at(path, 'items')));
  } else openness(ctx, ta.rest, tb.rest, at(path, tb.restKey), 'ARRAY_TYPE_ADDITIONAL_ITEMS', 'ARRAY_TYPE_SCHEMA_OF_ADDITIONAL_ITEMS', out);

  if (a.contains !== undefined || b.contains !== undefined) {
    const p = at(path, 'contains');
    if (a.contains === undefined) out.push(change('ARRAY_TYPE_CONTAINED_ITEM_SCHEMA_ADDED', p, false, true, 'contains constraint added'));
    else if (b.contains === undefined) out.push(change('ARRAY_TYPE_CONTAINED_ITEM_SCHEMA_REMOVED', p, true, false, 'contains constraint removed'));
    else out.push(...ctx.diff(a.contains, b.contains, p));
  }
  lowerLimit(a, b, 'minItems', 'ARRAY_TYPE_MIN_ITEMS', at(path, 'minItems'), out);
  upperLimit(a, b, 'maxItems', 'ARRAY_TYPE_MAX_ITEMS', at(path, 'maxItems'), out);
  const ua = a.uniqueItems === true;
  const ub = b.uniqueItems === true;
  if (ua !== ub) out.push(change(ub ? 'ARRAY_TYPE_UNIQUE_ITEMS_FALSE_TO_TRUE' : 'ARRAY_TYPE_UNIQUE_ITEMS_TRUE_TO_FALSE', at(path, 'uniqueItems'), !ub, ub, ub ? 'items must now be unique' : 'items need no longer be unique'));
}
