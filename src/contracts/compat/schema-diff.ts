/**
 * The structural diff of two JSON Schemas: walks both in parallel and returns typed changes, each
 * classified for both directions (backward: the new schema accepts what the old one accepted;
 * forward: the old schema accepts what the new one accepts). Recursive `$ref`s are compared
 * coinductively (a pair of schemas already being compared is assumed compatible), so recursion
 * terminates.
 */
import type { SchemaDocument, SchemaNode } from './schema-document.js';
import { allBackward, allForward, change, summarize, type SchemaChange } from './schema-change.js';
import { at, containsRef, deepEqual, exactValue, isUnconstrained, lowerLimit, upperLimit, type DiffContext } from './schema-diff-context.js';
import { diffArray, diffObject } from './schema-diff-structures.js';

type Obj = Record<string, unknown>;

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;
type Combinator = (typeof COMBINATORS)[number];
const OBJECT_KEYWORDS = ['properties', 'additionalProperties', 'required', 'minProperties', 'maxProperties', 'propertyNames', 'dependencies', 'dependentRequired', 'dependentSchemas', 'patternProperties'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'contains', 'minItems', 'maxItems', 'uniqueItems'];

/** Options for {@link diffSchemas}. */
export interface DiffOptions {
  /** LENIENT policy: assume instances carry no properties their (open) schema does not declare. */
  lenient?: boolean;
}

/** Compares two prepared schema documents; see the module comment for the classification. */
export function diffSchemas(oldDoc: SchemaDocument, newDoc: SchemaDocument, options: DiffOptions = {}): SchemaChange[] {
  const active = new Map<object, Set<object>>();
  const ctx: DiffContext = {
    old: oldDoc,
    new: newDoc,
    lenient: options.lenient === true,
    diff(a, b, path) {
      const A = oldDoc.resolve(a, path);
      const B = newDoc.resolve(b, path);
      if (typeof A === 'object' && typeof B === 'object') {
        let set = active.get(A);
        if (set?.has(B)) return [];
        if (!set) active.set(A, (set = new Set()));
        set.add(B);
        try {
          return compare(ctx, A, B, a, b, path);
        } finally {
          set.delete(B);
        }
      }
      return compare(ctx, A, B, a, b, path);
    },
  };
  return ctx.diff(oldDoc.root, newDoc.root, '#');
}

function typeSet(s: Obj): Set<string> | null {
  const t = s.type;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.map(String));
  return null;
}

function covers(type: string, set: Set<string>): boolean {
  return set.has(type) || (type === 'integer' && set.has('number'));
}

function mayBe(types: Set<string> | null, ...names: string[]): boolean {
  return types === null || names.some((n) => types.has(n) || (n === 'number' && types.has('integer')));
}

function compare(ctx: DiffContext, A: SchemaNode, B: SchemaNode, rawA: unknown, rawB: unknown, path: string): SchemaChange[] {
  if (A === B && ctx.old === ctx.new) return [];
  if (deepEqual(A, B) && !containsRef(A) && !containsRef(B) && !containsRef(rawA) && !containsRef(rawB)) return [];
  if (A === false) return B === false ? [] : [change('SUBSCHEMA_TYPE_CHANGED_FROM_FALSE', path, true, false, 'the old schema rejected every value here; the new one accepts some')];
  if (B === false) return [change('SUBSCHEMA_TYPE_CHANGED_TO_FALSE', path, false, true, 'the new schema rejects every value here')];
  const emptyA = isUnconstrained(A);
  const emptyB = isUnconstrained(B);
  if (emptyA && emptyB) return [];
  if (emptyB) return [change('SUBSCHEMA_TYPE_CHANGED_TO_EMPTY_OR_TRUE', path, true, false, 'the new schema accepts any value here')];
  if (emptyA) return [change('SUBSCHEMA_TYPE_CHANGED_FROM_EMPTY_OR_TRUE', path, false, true, 'the old schema accepted any value here; the new one constrains it')];
  const a = A as Obj;
  const b = B as Obj;
  const out: SchemaChange[] = [];
  const ta = typeSet(a);
  const tb = typeSet(b);
  diffTypes(ta, tb, path, out);
  const either = (...names: string[]) => mayBe(ta, ...names) || mayBe(tb, ...names);
  if (either('string')) {
    lowerLimit(a, b, 'minLength', 'STRING_TYPE_MIN_LENGTH', path, out);
    upperLimit(a, b, 'maxLength', 'STRING_TYPE_MAX_LENGTH', path, out);
    exactValue(a, b, 'pattern', 'STRING_TYPE_PATTERN', path, out);
    exactValue(a, b, 'format', 'STRING_TYPE_FORMAT', path, out);
    exactValue(a, b, 'contentEncoding', 'STRING_TYPE_CONTENT_ENCODING', path, out);
    exactValue(a, b, 'contentMediaType', 'STRING_TYPE_CONTENT_MEDIA_TYPE', path, out);
  }
  if (either('number')) diffNumber(a, b, path, out);
  if (either('object') && OBJECT_KEYWORDS.some((k) => a[k] !== undefined || b[k] !== undefined)) diffObject(ctx, a, b, path, out);
  if (either('array') && ARRAY_KEYWORDS.some((k) => a[k] !== undefined || b[k] !== undefined)) diffArray(ctx, a, b, path, out);
  diffEnum(a, b, path, out);
  diffCombinators(ctx, a, b, rawA, rawB, path, out);
  diffNot(ctx, a, b, path, out);
  diffConditional(ctx, a, b, path, out);
  return out;
}

function diffTypes(ta: Set<string> | null, tb: Set<string> | null, path: string, out: SchemaChange[]): void {
  if (ta === null && tb === null) return;
  if (ta && tb && ta.size === tb.size && [...ta].every((t) => tb.has(t))) return;
  const back = ta !== null && (tb === null || [...ta].every((t) => covers(t, tb)));
  const fwd = tb !== null && (ta === null || [...tb].every((t) => covers(t, ta)));
  const show = (t: Set<string> | null) => (t ? [...t].join('|') : 'any');
  const only = (t: Set<string> | null, x: string) => t !== null && t.size === 1 && t.has(x);
  let type = back && fwd ? 'SUBSCHEMA_TYPE_CHANGED' : back ? 'SUBSCHEMA_TYPE_EXTENDED' : fwd ? 'SUBSCHEMA_TYPE_NARROWED' : 'SUBSCHEMA_TYPE_CHANGED';
  if (only(ta, 'integer') && only(tb, 'number')) type = 'NUMBER_TYPE_INTEGER_REQUIRED_TRUE_TO_FALSE';
  if (only(ta, 'number') && only(tb, 'integer')) type = 'NUMBER_TYPE_INTEGER_REQUIRED_FALSE_TO_TRUE';
  out.push(change(type, path, back, fwd, `type changed from ${show(ta)} to ${show(tb)}`));
}

interface Bound {
  value: number;
  exclusive: boolean;
}

function bound(s: Obj, kind: 'min' | 'max'): Bound | undefined {
  const plain = s[kind === 'min' ? 'minimum' : 'maximum'];
  const excl = s[kind === 'min' ? 'exclusiveMinimum' : 'exclusiveMaximum'];
  const candidates: Bound[] = [];
  if (typeof plain === 'number') candidates.push({ value: plain, exclusive: excl === true });
  if (typeof excl === 'number') candidates.push({ value: excl, exclusive: true });
  if (candidates.length === 0) return undefined;
  // The strictest bound wins when both forms are present.
  return candidates.reduce((x, y) => {
    if (x.value === y.value) return x.exclusive ? x : y;
    return kind === 'min' ? (x.value > y.value ? x : y) : x.value < y.value ? x : y;
  });
}

function diffBound(a: Obj, b: Obj, kind: 'min' | 'max', path: string, out: SchemaChange[]): void {
  const x = bound(a, kind);
  const y = bound(b, kind);
  const word = kind === 'min' ? 'MINIMUM' : 'MAXIMUM';
  const name = (e: boolean) => `NUMBER_TYPE_${e ? 'EXCLUSIVE_' : ''}${word}`;
  const show = (v: Bound) => `${v.exclusive ? (kind === 'min' ? '>' : '<') : kind === 'min' ? '≥' : '≤'} ${v.value}`;
  if (!x && !y) return;
  if (!x) return void out.push(change(`${name(y!.exclusive)}_ADDED`, path, false, true, `bound ${show(y!)} added`));
  if (!y) return void out.push(change(`${name(x.exclusive)}_REMOVED`, path, true, false, `bound ${show(x)} removed`));
  if (x.value === y.value) {
    if (x.exclusive === y.exclusive) return;
    const loosened = x.exclusive && !y.exclusive;
    out.push(change(`NUMBER_TYPE_IS_${word}_EXCLUSIVE_${x.exclusive ? 'TRUE_TO_FALSE' : 'FALSE_TO_TRUE'}`, path, loosened, !loosened, `bound changed from ${show(x)} to ${show(y)}`));
    return;
  }
  const increased = y.value > x.value;
  const loosened = kind === 'min' ? !increased : increased;
  out.push(change(`${name(y.exclusive)}_${increased ? 'INCREASED' : 'DECREASED'}`, path, loosened, !loosened, `bound changed from ${show(x)} to ${show(y)}`));
}

function isMultiple(x: number, y: number): boolean {
  const q = x / y;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

function diffNumber(a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  diffBound(a, b, 'min', path, out);
  diffBound(a, b, 'max', path, out);
  const x = a.multipleOf as number | undefined;
  const y = b.multipleOf as number | undefined;
  if (x === y) return;
  if (x === undefined) out.push(change('NUMBER_TYPE_MULTIPLE_OF_ADDED', path, false, true, `multipleOf ${y} added`));
  else if (y === undefined) out.push(change('NUMBER_TYPE_MULTIPLE_OF_REMOVED', path, true, false, `multipleOf ${x} removed`));
  else {
    const back = isMultiple(x, y);
    out.push(change(back ? 'NUMBER_TYPE_MULTIPLE_OF_UPDATED_IS_DIVISIBLE' : 'NUMBER_TYPE_MULTIPLE_OF_UPDATED_IS_NOT_DIVISIBLE', path, back, isMultiple(y, x), `multipleOf changed from ${x} to ${y}`));
  }
}

function enumOf(s: Obj): { values: unknown[]; isConst: boolean } | undefined {
  if (s.const !== undefined) return { values: [s.const], isConst: true };
  if (Array.isArray(s.enum)) return { values: s.enum, isConst: false };
  return undefined;
}

function diffEnum(a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  const x = enumOf(a);
  const y = enumOf(b);
  if (!x && !y) return;
  if (!x) return void out.push(change(y!.isConst ? 'CONST_TYPE_ADDED' : 'ENUM_TYPE_ADDED', path, false, true, `values restricted to ${JSON.stringify(y!.values)}`));
  if (!y) return void out.push(change(x.isConst ? 'CONST_TYPE_REMOVED' : 'ENUM_TYPE_REMOVED', path, true, false, `restriction to ${JSON.stringify(x.values)} removed`));
  const removed = x.values.filter((v) => !y.values.some((w) => deepEqual(v, w)));
  const added = y.values.filter((v) => !x.values.some((w) => deepEqual(v, w)));
  if (x.isConst && y.isConst && (removed.length || added.length)) return void out.push(change('CONST_TYPE_VALUE_CHANGED', path, false, false, `const changed from ${JSON.stringify(x.values[0])} to ${JSON.stringify(y.values[0])}`));
  if (removed.length) out.push(change('ENUM_TYPE_VALUES_MEMBER_REMOVED', path, false, true, `allowed values removed: ${removed.map((v) => JSON.stringify(v)).join(', ')}`));
  if (added.length) out.push(change('ENUM_TYPE_VALUES_MEMBER_ADDED', path, true, false, `allowed values added: ${added.map((v) => JSON.stringify(v)).join(', ')}`));
}

/** Pairwise comparison results, computed on demand. */
function matrix(ctx: DiffContext, xs: unknown[], ys: unknown[], path: string, kind: string) {
  const cache = new Map<string, SchemaChange[]>();
  const get = (i: number, j: number) => {
    const key = `${i}:${j}`;
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = ctx.diff(xs[i], ys[j], at(path, kind, j))));
    return hit;
  };
  return { back: (i: number, j: number) => allBackward(get(i, j)), fwd: (i: number, j: number) => allForward(get(i, j)), get };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function compareLists(ctx: DiffContext, ka: Combinator, xs: unknown[], kb: Combinator, ys: unknown[], path: string, out: SchemaChange[]): void {
  const p = at(path, kb);
  if (ka === kb && xs.length === ys.length && xs.every((x, i) => deepEqual(x, ys[i])) && !xs.some(containsRef)) return;
  const m = matrix(ctx, xs, ys, path, kb);
  const I = range(xs.length);
  const J = range(ys.length);
  let back: boolean;
  let fwd: boolean;
  if (ka === 'allOf' && kb === 'allOf') {
    back = J.every((j) => I.some((i) => m.back(i, j)));
    fwd = I.every((i) => J.some((j) => m.fwd(i, j)));
  } else if (ka === 'allOf') {
    back = I.some((i) => J.some((j) => m.back(i, j)));
    fwd = J.every((j) => I.every((i) => m.fwd(i, j)));
  } else if (kb === 'allOf') {
    back = I.every((i) => J.every((j) => m.back(i, j)));
    fwd = I.some((i) => J.some((j) => m.fwd(i, j)));
  } else {
    back = I.every((i) => J.some((j) => m.back(i, j)));
    fwd = J.every((j) => I.some((i) => m.fwd(i, j)));
  }
  if (ka !== kb) {
    // With the same branches, anyOf accepts more than oneOf (and than allOf); allOf and oneOf are unrelated.
    const rank = (k: Combinator) => (k === 'anyOf' ? 2 : 1);
    if ((ka === 'allOf' && kb === 'oneOf') || (ka === 'oneOf' && kb === 'allOf')) back = fwd = false;
    else if (ka !== 'allOf' && kb !== 'allOf') {
      back &&= rank(kb) >= rank(ka);
      fwd &&= rank(ka) >= rank(kb);
    }
    const type = back && !fwd ? 'COMBINED_TYPE_CRITERION_EXTENDED' : fwd && !back ? 'COMBINED_TYPE_CRITERION_NARROWED' : 'COMBINED_TYPE_CRITERION_CHANGED';
    out.push(change(type, p, back, fwd, `${ka} changed to ${kb}`));
    return;
  }
  const upper = kb === 'allOf' ? 'ALL_OF' : kb === 'anyOf' ? 'ANY_OF' : 'ONE_OF';
  let type: string;
  if (!back) type = 'COMBINED_TYPE_SUBSCHEMA_NOT_COMPATIBLE';
  else if (ys.length !== xs.length) type = `COMBINED_TYPE_${upper}_SIZE_${ys.length > xs.length ? 'INCREASED' : 'DECREASED'}`;
  else if (!fwd) type = 'COMBINED_TYPE_SUBSCHEMAS_EXTENDED';
  else type = 'COMBINED_TYPE_SUBSCHEMAS_CHANGED';
  const details = J.map((j) => m.get(Math.min(j, xs.length - 1), j)).flat();
  if (back && fwd && details.length === 0 && xs.length === ys.length) return;
  out.push(change(type, p, back, fwd, `${kb} branches changed (${summarize(details)})`));
}

function diffCombinators(ctx: DiffContext, a: Obj, b: Obj, _rawA: unknown, _rawB: unknown, path: string, out: SchemaChange[]): void {
  const inA = COMBINATORS.filter((k) => Array.isArray(a[k]));
  const inB = COMBINATORS.filter((k) => Array.isArray(b[k]));
  if (inA.length === 0 && inB.length === 0) return;
  for (const k of inA) if (inB.includes(k)) compareLists(ctx, k, a[k] as unknown[], k, b[k] as unknown[], path, out);
  const leftA = inA.filter((k) => !inB.includes(k));
  const leftB = inB.filter((k) => !inA.includes(k));
  if (leftA.length === 1 && leftB.length === 1) return compareLists(ctx, leftA[0]!, a[leftA[0]!] as unknown[], leftB[0]!, b[leftB[0]!] as unknown[], path, out);
  // A combinator on one side only: the other side's whole schema is compared with its branches.
  const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !(COMBINATORS as readonly string[]).includes(k)));
  for (const k of leftB) {
    const ys = b[k] as unknown[];
    const whole = strip(a);
    const results = ys.map((y, j) => ctx.diff(whole, y, at(path, k, j)));
    const back = k === 'allOf' ? results.every(allBackward) : results.some(allBackward);
    out.push(change(`COMBINED_TYPE_${k === 'allOf' ? 'ALL_OF' : k === 'anyOf' ? 'ANY_OF' : 'ONE_OF'}_ADDED`, at(path, k), back, true, `${k} added (${summarize(results.flat())})`));
  }
  for (const k of leftA) {
    const xs = a[k] as unknown[];
    const whole = strip(b);
    const results = xs.map((x, i) => ctx.diff(x, whole, at(path, k, i)));
    const fwd = k === 'allOf' ? results.every(allForward) : results.some(allForward);
    out.push(change(`COMBINED_TYPE_${k === 'allOf' ? 'ALL_OF' : k === 'anyOf' ? 'ANY_OF' : 'ONE_OF'}_REMOVED`, at(path, k), true, fwd, `${k} removed (${summarize(results.flat())})`));
  }
}

function diffNot(ctx: DiffContext, a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  if (a.not === undefined && b.not === undefined) return;
  const p = at(path, 'not');
  if (a.not === undefined) return void out.push(change('NOT_TYPE_SCHEMA_ADDED', p, false, true, '"not" constraint added'));
  if (b.not === undefined) return void out.push(change('NOT_TYPE_SCHEMA_REMOVED', p, true, false, '"not" constraint removed'));
  // not X ⊆ not Y exactly when Y ⊆ X: the inner directions swap.
  const sub = ctx.diff(a.not, b.not, p);
  if (sub.length === 0) return;
  const back = allForward(sub);
  const fwd = allBackward(sub);
  const type = back && fwd ? 'NOT_TYPE_SCHEMA_COMPATIBLE_BOTH' : back ? 'NOT_TYPE_SCHEMA_COMPATIBLE_FORWARD_NOT_BACKWARD' : fwd ? 'NOT_TYPE_SCHEMA_COMPATIBLE_BACKWARD_NOT_FORWARD' : 'NOT_TYPE_SCHEMA_COMPATIBLE_NONE';
  out.push(change(type, p, back, fwd, `negated schema changed (${summarize(sub)})`));
}

/** `then`/`else` apply together with the parent's `properties`; merge them so a branch is compared in context. */
function inContext(ctx: DiffContext, doc: 'old' | 'new', parent: Obj, branch: unknown, path: string): unknown {
  const resolved = ctx[doc].resolve(branch, path);
  if (typeof resolved !== 'object' || resolved.properties === undefined || parent.properties === undefined) return resolved;
  const parentProps = parent.properties as Obj;
  const merged: Obj = {};
  for (const [name, schema] of Object.entries(resolved.properties as Obj)) {
    const base = parentProps[name] === undefined ? undefined : ctx[doc].resolve(parentProps[name], path);
    const own = ctx[doc].resolve(schema, path);
    merged[name] = typeof base === 'object' && typeof own === 'object' ? { ...base, ...own } : schema;
  }
  return { ...resolved, properties: merged };
}

function diffConditional(ctx: DiffContext, a: Obj, b: Obj, path: string, out: SchemaChange[]): void {
  if (a.if === undefined && b.if === undefined) return;
  const pIf = at(path, 'if');
  if (a.if === undefined || b.if === undefined) out.push(change(a.if === undefined ? 'CONDITIONAL_TYPE_IF_SCHEMA_ADDED' : 'CONDITIONAL_TYPE_IF_SCHEMA_REMOVED', pIf, false, false, 'condition added or removed'));
  else {
    const sub = ctx.diff(a.if, b.if, pIf);
    if (sub.length > 0 && !(allBackward(sub) && allForward(sub))) out.push(change('CONDITIONAL_TYPE_IF_SCHEMA_COMPATIBLE_NONE', pIf, false, false, `condition changed (${summarize(sub)}): records may switch branches`));
  }
  for (const branch of ['then', 'else'] as const) {
    const upper = branch.toUpperCase();
    const p = at(path, branch);
    if (a[branch] === undefined && b[branch] === undefined) continue;
    if (a[branch] === undefined) out.push(change(`CONDITIONAL_TYPE_${upper}_SCHEMA_ADDED`, p, false, true, `"${branch}" branch added`));
    else if (b[branch] === undefined) out.push(change(`CONDITIONAL_TYPE_${upper}_SCHEMA_REMOVED`, p, true, false, `"${branch}" branch removed`));
    else {
      const sub = ctx.diff(inContext(ctx, 'old', a, a[branch], p), inContext(ctx, 'new', b, b[branch], p), p);
      if (sub.length === 0) continue;
      const back = allBackward(sub);
      const fwd = allForward(sub);
      const kind = back && fwd ? 'BOTH' : back ? 'BACKWARD_NOT_FORWARD' : fwd ? 'FORWARD_NOT_BACKWARD' : 'NONE';
      out.push(change(`CONDITIONAL_TYPE_${upper}_SCHEMA_COMPATIBLE_${kind}`, p, back, fwd, `"${branch}" branch changed (${summarize(sub)})`));
    }
  }
}
