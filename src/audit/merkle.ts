/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, proofs and proof verification.
 *
 * Trees are read through a {@link NodeReader}: `(level, index)` is the hash of the perfect subtree
 * over leaves `[index·2^level, (index+1)·2^level)`; level 0 holds the leaf hashes. Storing only
 * those perfect subtrees (about 2n hashes) makes every root, inclusion proof and consistency proof
 * O(log² n) reads at worst, and appends O(1) amortised.
 */
import { createHash } from 'node:crypto';

/** Size of a SHA-256 hash. */
export const HASH_SIZE = 32;
/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT = createHash('sha256').digest();

/** Reads the hash of the perfect subtree `(level, index)`. */
export type NodeReader = (level: number, index: number) => Uint8Array;

/** A node to store after an append. */
export interface MerkleNode {
  level: number;
  index: number;
  hash: Buffer;
}

/** Leaf hash `H(0x00 || data)`. */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** Interior node hash `H(0x01 || left || right)`. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  // One update over a reused 65-byte buffer: cheaper than three updates on small inputs.
  if (left.length !== 32 || right.length !== 32) return createHash('sha256').update(Buffer.concat([NODE_PREFIX, left, right])).digest();
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return createHash('sha256').update(NODE_INPUT).digest();
}

const NODE_INPUT = Buffer.alloc(65, 1);

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** The largest power of two strictly smaller than `n` (n ≥ 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[start:end]) for a range that appears in the RFC 9162 recursion (start aligned to the left split). */
export function subtreeHash(read: NodeReader, start: number, end: number): Buffer {
  const size = end - start;
  if (size === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(size) && start % size === 0) return Buffer.from(read(Math.log2(size), start / size));
  const k = largestPowerOfTwoBelow(size);
  return hashChildren(subtreeHash(read, start, start + k), subtreeHash(read, start + k, end));
}

/** The root hash of the first `size` leaves. */
export function rootHash(read: NodeReader, size: number): Buffer {
  return subtreeHash(read, 0, size);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(read: NodeReader, index: number, size: number): Buffer[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  const proof: Buffer[] = [];
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      proof.push(subtreeHash(read, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(read, start, start + k));
      start += k;
      m -= k;
    }
  }
  return proof.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): the consistency proof between tree sizes `size1` and `size2`. */
export function consistencyProof(read: NodeReader, size1: number, size2: number): Buffer[] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) throw new RangeError(`cannot prove consistency from size ${size1} to size ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const proof: Buffer[] = [];
  let start = 0;
  let end = size2;
  let m = size1;
  let complete = true;
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(subtreeHash(read, start, end));
      break;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      proof.push(subtreeHash(read, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(read, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  return proof.reverse();
}

/**
 * The nodes to store when `leafHashes` are appended to a tree of `size` leaves: each leaf at level
 * 0 and every perfect subtree the append completes. `read` must see every node of the old tree.
 */
export function appendNodes(read: NodeReader, size: number, leafHashes: Uint8Array[]): MerkleNode[] {
  const pending = new Map<string, Buffer>();
  const get = (level: number, index: number): Uint8Array => pending.get(`${level}:${index}`) ?? read(level, index);
  const out: MerkleNode[] = [];
  for (let i = 0; i < leafHashes.length; i++) {
    let index = size + i;
    let level = 0;
    let hash: Buffer = Buffer.from(leafHashes[i]!);
    out.push({ level, index, hash });
    pending.set(`0:${index}`, hash);
    while (index % 2 === 1) {
      hash = hashChildren(get(level, index - 1), hash);
      level += 1;
      index = (index - 1) / 2;
      out.push({ level, index, hash });
      pending.set(`${level}:${index}`, hash);
    }
  }
  return out;
}

/** The `(level, index)` keys of the nodes a computation reads, found by running it over placeholder hashes (their positions do not depend on hash values). */
export function nodesRead(compute: (read: NodeReader) => unknown): Array<[number, number]> {
  const keys = new Map<string, [number, number]>();
  const zero = Buffer.alloc(HASH_SIZE);
  compute((level, index) => {
    keys.set(`${level}:${index}`, [level, index]);
    return zero;
  });
  return [...keys.values()];
}

/** The full Merkle tree hash of a list of leaf data (reference implementation; O(n) memory). */
export function merkleTreeHash(leaves: Uint8Array[]): Buffer {
  const store = new Map<string, Buffer>();
  const all = appendNodes((l, i) => store.get(`${l}:${i}`)!, 0, leaves.map((l) => hashLeaf(l)));
  for (const n of all) store.set(`${n.level}:${n.index}`, n.hash);
  return rootHash((l, i) => store.get(`${l}:${i}`)!, leaves.length);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The outcome of a proof verification. */
export interface ProofCheck {
  valid: boolean;
  /** Why it failed. */
  reason?: string;
}

const fail = (reason: string): ProofCheck => ({ valid: false, reason });

/** The root an inclusion proof leads to, or a failure (RFC 9162 §2.1.3.2 steps 1–6). */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: Uint8Array[]): { root?: Buffer; reason?: string } {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return { reason: `leaf index ${index} is not below tree size ${size}` };
  if (leafHash.length !== HASH_SIZE) return { reason: 'leaf hash is not 32 bytes' };
  if (proof.some((p) => p.length !== HASH_SIZE)) return { reason: 'a proof hash is not 32 bytes' };
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return { reason: 'proof is longer than the tree is deep' };
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { reason: 'proof is shorter than the tree is deep' };
  return { root: r };
}

/** RFC 9162 §2.1.3.2: verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: Uint8Array[], root: Uint8Array): ProofCheck {
  if (root.length !== HASH_SIZE) return fail('root is not 32 bytes');
  const r = rootFromInclusionProof(index, size, leafHash, proof);
  if (!r.root) return fail(r.reason!);
  return equal(r.root, root) ? { valid: true } : fail('computed root does not match');
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `size1` leaves with root `root1` is a prefix of the
 * tree of `size2` leaves with root `root2`. Like transparency-dev/merkle, a proof from size 0 is
 * refused as meaningless and equal sizes need an empty proof and equal roots.
 */
export function verifyConsistency(size1: number, size2: number, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): ProofCheck {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < 0) return fail('sizes must be non-negative integers');
  if (size2 < size1) return fail(`size1 ${size1} is greater than size2 ${size2}`);
  if (size1 === 0) return fail('a consistency proof from an empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) return fail('sizes are equal but the proof is not empty');
    return equal(root1, root2) ? { valid: true } : fail('sizes are equal but the roots differ');
  }
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) return fail('a root is not 32 bytes');
  if (proof.some((p) => p.length !== HASH_SIZE)) return fail('a proof hash is not 32 bytes');
  if (proof.length === 0) return fail('the proof is empty');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('proof is longer than expected');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('proof is shorter than expected');
  if (!equal(fr, root1)) return fail('proof does not lead to root1');
  if (!equal(sr, root2)) return fail('proof does not lead to root2');
  return { valid: true };
}
