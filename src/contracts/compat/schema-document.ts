/**
 * A JSON Schema document prepared for comparison: `$ref` resolution inside the document (JSON
 * pointers, `$id` fragments and `$anchor`s), with clear errors for references that point nowhere,
 * external references and reference chains that loop without reaching a schema.
 */
import { VerityError } from '../../errors.js';

/** A JSON Schema node: an object or a boolean schema. */
export type SchemaNode = Record<string, unknown> | boolean;

/** One schema document being compared. */
export interface SchemaDocument {
  /** A label for messages (`old schema`, a file name). */
  label: string;
  root: SchemaNode;
  /** Follows `$ref`s until a schema without one; siblings of `$ref` are kept (2019-09+ semantics). */
  resolve(node: unknown, path: string): SchemaNode;
}

const MAX_REF_CHAIN = 64;
const NON_CONSTRAINING = new Set(['$defs', 'definitions', '$schema', '$id', 'id', '$comment', 'title', 'description', 'default', 'examples', '$anchor']);

function decode(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Prepares a schema document for comparison. */
export function createSchemaDocument(root: unknown, label: string): SchemaDocument {
  if (typeof root !== 'boolean' && (root === null || typeof root !== 'object' || Array.isArray(root)))
    throw new VerityError('UNPROCESSABLE', `${label}: a JSON Schema must be an object or a boolean, got ${Array.isArray(root) ? 'an array' : root === null ? 'null' : typeof root}.`);
  const anchors = new Map<string, SchemaNode>();
  const rootId = typeof root === 'object' ? String((root as Record<string, unknown>).$id ?? (root as Record<string, unknown>).id ?? '') : '';
  const seen = new Set<unknown>();
  const index = (node: unknown, depth: number) => {
    if (depth > 200 || node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) index(item, depth + 1);
      return;
    }
    const obj = node as Record<string, unknown>;
    for (const key of ['$id', 'id']) {
      const id = obj[key];
      if (typeof id === 'string' && id.startsWith('#') && id.length > 1) anchors.set(id.slice(1), obj);
    }
    if (typeof obj.$anchor === 'string') anchors.set(obj.$anchor, obj);
    for (const [key, value] of Object.entries(obj)) if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') index(value, depth + 1);
  };
  index(root, 0);

  const lookup = (ref: string, path: string): unknown => {
    let fragment: string;
    if (ref.startsWith('#')) fragment = ref.slice(1);
    else if (rootId && ref.startsWith(rootId.replace(/#$/, '') + '#')) fragment = ref.slice(ref.indexOf('#') + 1);
    else if (rootId && ref === rootId) fragment = '';
    else
      throw new VerityError('UNPROCESSABLE', `${label}: $ref "${ref}" at ${path} points outside the document; only local references (#/…) are supported. Inline the referenced schema or bundle it under $defs.`);
    if (fragment === '') return root;
    if (!fragment.startsWith('/')) {
      const anchored = anchors.get(fragment);
      if (anchored === undefined) throw dangling(ref, path);
      return anchored;
    }
    let node: unknown = root;
    for (const raw of fragment.split('/').slice(1)) {
      const segment = decode(raw);
      if (node === null || typeof node !== 'object') throw dangling(ref, path);
      node = (node as Record<string, unknown>)[segment];
      if (node === undefined) throw dangling(ref, path);
    }
    return node;
  };
  const dangling = (ref: string, path: string) =>
    new VerityError('UNPROCESSABLE', `${label}: $ref "${ref}" at ${path} points nowhere. Fix the pointer or add the definition it names (e.g. under $defs).`);

  // Cached so a node always resolves to the same object: the diff detects recursion by identity.
  const cache = new WeakMap<object, SchemaNode>();
  return {
    label,
    root: root as SchemaNode,
    resolve(node, path) {
      if (node !== null && typeof node === 'object') {
        const hit = cache.get(node);
        if (hit !== undefined) return hit;
        const resolved = resolveUncached(node, path);
        cache.set(node, resolved);
        return resolved;
      }
      return resolveUncached(node, path);
    },
  };

  function resolveUncached(node: unknown, path: string): SchemaNode {
      let current = node;
      const chain: string[] = [];
      let siblings: Record<string, unknown> | undefined;
      while (current !== null && typeof current === 'object' && !Array.isArray(current) && typeof (current as Record<string, unknown>).$ref === 'string') {
        const obj = current as Record<string, unknown>;
        const ref = obj.$ref as string;
        if (chain.includes(ref) || chain.length >= MAX_REF_CHAIN)
          throw new VerityError('UNPROCESSABLE', `${label}: $ref cycle at ${path}: ${[...chain, ref].join(' → ')} never reaches a schema. Break the loop so one definition has content of its own.`);
        chain.push(ref);
        const { $ref: _ref, ...rest } = obj;
        // Annotation siblings ($defs, title…) do not constrain: keep the target's identity then.
        for (const key of Object.keys(rest)) if (NON_CONSTRAINING.has(key) || key.startsWith('x-')) delete rest[key];
        if (Object.keys(rest).length > 0) siblings = { ...rest, ...(siblings ?? {}) };
        current = lookup(ref, path);
      }
      if (typeof current === 'boolean') return siblings && current ? siblings : current;
      if (current === null || typeof current !== 'object' || Array.isArray(current))
        throw new VerityError('UNPROCESSABLE', `${label}: the schema at ${path} must be an object or a boolean, got ${Array.isArray(current) ? 'an array' : JSON.stringify(current)}.`);
      return siblings ? { ...(current as Record<string, unknown>), ...siblings } : (current as Record<string, unknown>);
  }
}
