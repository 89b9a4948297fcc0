import type { Verifier } from '../keys/signer.js';
import { checkEntryIndex } from './audit-entry.js';
import type { AuditProblem, AuditVerification, SignedTreeHead } from './audit-log.js';
import { EMPTY_ROOT, hashChildren, hashLeaf } from './merkle.js';
import { verifyTreeHead } from './tree-head.js';

/** One stored entry as a backend reads it for verification. */
export interface StoredEntry {
  index: number;
  /** The entry bytes, or undefined when the framing around them is broken. */
  bytes?: Buffer;
  /** Why the bytes could not be read (framing, checksum). */
  error?: string;
  /** The leaf hash the backend recorded for this entry. */
  storedLeafHash?: Uint8Array;
}

/** Inputs of {@link verifyAuditStream}. */
export interface VerifyAuditStreamOptions {
  entries: AsyncIterable<StoredEntry> | Iterable<StoredEntry>;
  heads: SignedTreeHead[];
  verifier?: Verifier | undefined;
  /** A stored perfect-subtree hash, to check the node store proofs are served from. */
  storedNode?: (level: number, index: number) => Uint8Array | undefined;
  /** Stop listing problems after this many (default 100). */
  maxProblems?: number;
}

/**
 * Full verification shared by every backend: recomputes each leaf hash from the entry bytes, every
 * perfect subtree and every signed tree head's root, in one pass with O(log n) memory, and names
 * the first bad entry.
 */
export async function verifyAuditStream(options: VerifyAuditStreamOptions): Promise<AuditVerification> {
  const max = options.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  let firstBad: number | undefined;
  // The newest entry found bad: node and head mismatches over a range that holds it are consequences, not new findings.
  let lastBadEntry = -1;
  const report = (p: AuditProblem) => {
    if (p.index !== undefined && (p.kind === 'entry' || p.kind === 'leaf' || p.kind === 'index')) lastBadEntry = Math.max(lastBadEntry, p.index);
    if (p.index !== undefined && (firstBad === undefined || p.index < firstBad)) firstBad = p.index;
    if (problems.length < max) problems.push(p);
  };
  const heads = [...options.heads].sort((a, b) => a.tree_size - b.tree_size);
  let h = 0;
  let previousHeadSize = 0;
  const stack: Array<{ level: number; hash: Buffer }> = [];
  const root = (): Buffer => {
    if (stack.length === 0) return EMPTY_ROOT;
    let r = stack[stack.length - 1]!.hash;
    for (let j = stack.length - 2; j >= 0; j--) r = hashChildren(stack[j]!.hash, r);
    return r;
  };
  const checkHeadsAt = (size: number) => {
    while (h < heads.length && heads[h]!.tree_size === size) {
      const head = heads[h++]!;
      const r = root().toString('hex');
      if (r !== head.root_hash) {
        const explained = lastBadEntry >= 0;
        report({
          ...(explained ? {} : { index: previousHeadSize }),
          kind: 'head',
          message: explained
            ? `Tree head at size ${size} no longer matches the recomputed root (a consequence of the bad entries above).`
            : `Tree head at size ${size} has root ${head.root_hash} but the entries recompute to ${r}: an entry in ${previousHeadSize}..${size - 1} (or the head) was altered.`,
        });
      }
      const sig = verifyTreeHead(head, options.verifier);
      if (!sig.valid) report({ kind: 'head', message: `Tree head at size ${size}: ${sig.reason}.` });
      previousHeadSize = size;
    }
  };
  checkHeadsAt(0);
  let count = 0;
  for await (const e of options.entries) {
    if (e.index !== count) {
      report({ index: count, kind: 'index', message: `Expected entry ${count} but the store returned entry ${e.index}.` });
    }
    let leaf: Buffer;
    if (e.bytes === undefined) {
      report({ index: count, kind: 'entry', message: `Entry ${count}: ${e.error ?? 'unreadable'}.` });
      leaf = Buffer.from(e.storedLeafHash ?? Buffer.alloc(32));
    } else {
      leaf = hashLeaf(e.bytes);
      try {
        checkEntryIndex(e.bytes, count);
      } catch (error) {
        report({ index: count, kind: 'entry', message: (error as Error).message });
      }
      if (e.storedLeafHash && Buffer.compare(leaf, e.storedLeafHash) !== 0)
        report({ index: count, kind: 'leaf', message: `Entry ${count}: its bytes hash to ${leaf.toString('hex')} but the recorded leaf hash is ${Buffer.from(e.storedLeafHash).toString('hex')}; the entry was altered.` });
    }
    stack.push({ level: 0, hash: leaf });
    let index = count;
    while (stack.length >= 2 && stack[stack.length - 1]!.level === stack[stack.length - 2]!.level) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      const node = { level: left.level + 1, hash: hashChildren(left.hash, right.hash) };
      index = Math.floor(index / 2);
      const stored = options.storedNode?.(node.level, index);
      const first = index * 2 ** node.level;
      if (options.storedNode && lastBadEntry < first && (!stored || Buffer.compare(stored, node.hash) !== 0)) {
        report({ index: first, kind: 'node', message: `Stored subtree hash (level ${node.level}, index ${index}) over entries ${first}..${first + 2 ** node.level - 1} ${stored ? 'differs from the recomputed one' : 'is missing'}.` });
      }
      stack.push(node);
    }
    count++;
    checkHeadsAt(count);
  }
  for (; h < heads.length; h++) report({ kind: 'head', message: `Tree head claims size ${heads[h]!.tree_size} but the log holds ${count} entries: entries were removed.` });
  return {
    valid: problems.length === 0,
    entries: count,
    heads: heads.length,
    signatures_checked: options.verifier !== undefined,
    root_hash: root().toString('hex'),
    ...(firstBad === undefined ? {} : { first_bad_index: firstBad }),
    problems,
  };
}
