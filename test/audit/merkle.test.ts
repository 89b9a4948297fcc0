import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendNodes,
  consistencyProof,
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  inclusionProof,
  merkleTreeHash,
  nodesRead,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../../src/audit/merkle.js';
import { describeWithFixtures, fixturePath, readFixtureJson } from '../helpers/fixtures.js';

const b64 = (s: string | null | undefined) => Buffer.from(s ?? '', 'base64');
const hex = (s: string) => Buffer.from(s, 'hex');

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listJson(p) : f.endsWith('.json') ? [p] : [];
  });
}

function treeOf(leaves: Uint8Array[]): NodeReader {
  const store = new Map<string, Buffer>();
  for (const n of appendNodes((l, i) => store.get(`${l}:${i}`)!, 0, leaves.map((l) => hashLeaf(l)))) store.set(`${n.level}:${n.index}`, n.hash);
  return (l, i) => {
    const h = store.get(`${l}:${i}`);
    if (!h) throw new Error(`node ${l}:${i} absent`);
    return h;
  };
}

describeWithFixtures('merkle-rfc6962', 'RFC 6962 / 9162 Merkle vectors (transparency-dev/merkle)', () => {
  const vectors = readFixtureJson('merkle-rfc6962', 'rfc6962-tree-vectors.derived.json');
  const leaves: Buffer[] = vectors.leafInputsHex.map(hex);

  it('hashes leaves and children as the RFC hasher vectors say', () => {
    for (const v of vectors.hasherVectors) {
      if (v.input === null) expect(EMPTY_ROOT.toString('hex')).toBe(v.hashHex);
      else if (v.leafInputHex !== undefined) expect(hashLeaf(hex(v.leafInputHex)).toString('hex')).toBe(v.hashHex);
      else expect(hashChildren(hex(v.leftHex), hex(v.rightHex)).toString('hex')).toBe(v.hashHex);
    }
    expect(vectors.hasherVectors.length).toBe(4);
  });

  it('computes the root of every prefix of the 8-leaf tree', () => {
    vectors.rootHexByTreeSize.forEach((root: string, size: number) => {
      expect(merkleTreeHash(leaves.slice(0, size)).toString('hex')).toBe(root);
      expect(rootHash(treeOf(leaves), size).toString('hex')).toBe(root);
    });
  });

  it('stores the node hashes of the derived vectors', () => {
    const read = treeOf(leaves);
    vectors.nodeHashesHexByLevel.forEach((level: string[], l: number) => level.forEach((h, i) => expect(Buffer.from(read(l, i)).toString('hex')).toBe(h)));
  });

  const inclusionFiles = listJson(fixturePath('merkle-rfc6962', 'testdata', 'inclusion'));
  const consistencyFiles = listJson(fixturePath('merkle-rfc6962', 'testdata', 'consistency'));

  it('verifies every inclusion vector, failing exactly the expected ones', () => {
    expect(inclusionFiles.length).toBeGreaterThan(50);
    for (const f of inclusionFiles) {
      const v = readFixtureJson('merkle-rfc6962', 'testdata', 'inclusion', relative(fixturePath('merkle-rfc6962', 'testdata', 'inclusion'), f));
      const r = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
      expect({ f: relative(fixturePath('merkle-rfc6962'), f), valid: r.valid }).toEqual({ f: relative(fixturePath('merkle-rfc6962'), f), valid: !v.wantErr });
    }
  });

  it('verifies every consistency vector, failing exactly the expected ones', () => {
    expect(consistencyFiles.length).toBeGreaterThan(50);
    for (const f of consistencyFiles) {
      const v = readFixtureJson('merkle-rfc6962', 'testdata', 'consistency', relative(fixturePath('merkle-rfc6962', 'testdata', 'consistency'), f));
      const r = verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
      expect({ f: relative(fixturePath('merkle-rfc6962'), f), valid: r.valid }).toEqual({ f: relative(fixturePath('merkle-rfc6962'), f), valid: !v.wantErr });
    }
  });

  it('generates the same proofs as the happy-path vectors', () => {
    const read = treeOf(leaves);
    for (const f of inclusionFiles.filter((x) => x.endsWith('happy-path.json'))) {
      const v = readFixtureJson('merkle-rfc6962', 'testdata', 'inclusion', relative(fixturePath('merkle-rfc6962', 'testdata', 'inclusion'), f));
      if (v.treeSize > 8) continue;
      expect(inclusionProof(read, v.leafIdx, v.treeSize).map((p) => p.toString('base64'))).toEqual(v.proof ?? []);
    }
    for (const f of consistencyFiles.filter((x) => x.endsWith('happy-path.json'))) {
      const v = readFixtureJson('merkle-rfc6962', 'testdata', 'consistency', relative(fixturePath('merkle-rfc6962', 'testdata', 'consistency'), f));
      expect(consistencyProof(read, v.size1, v.size2).map((p) => p.toString('base64'))).toEqual(v.proof ?? []);
    }
  });
});

describe('Merkle proofs on generated trees', () => {
  const leaves = Array.from({ length: 37 }, (_, i) => Buffer.from(`entry-${i}`));
  const read = treeOf(leaves);

  it('proves and verifies inclusion of every leaf in every tree size', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const root = rootHash(read, size);
      expect(root.equals(merkleTreeHash(leaves.slice(0, size)))).toBe(true);
      for (let i = 0; i < size; i++) expect(verifyInclusion(i, size, hashLeaf(leaves[i]!), inclusionProof(read, i, size), root).valid).toBe(true);
    }
  });

  it('proves and verifies consistency between every pair of sizes, and rejects a wrong root', () => {
    for (let a = 1; a <= leaves.length; a++)
      for (let b = a; b <= leaves.length; b++) {
        const proof = consistencyProof(read, a, b);
        expect(verifyConsistency(a, b, proof, rootHash(read, a), rootHash(read, b)).valid).toBe(true);
        if (a < b) expect(verifyConsistency(a, b, proof, rootHash(read, a), rootHash(read, b - 1)).valid).toBe(false);
      }
  });

  it('reads O(log n) nodes to prove inclusion in a large tree', () => {
    const size = 1_000_003;
    const keys = nodesRead((r) => inclusionProof(r, 777_777, size));
    expect(keys.length).toBeLessThan(3 * Math.ceil(Math.log2(size)));
  });
});
