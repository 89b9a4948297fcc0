import type { Signer, Verifier } from '../keys/signer.js';
import { canonicalJson } from '../util/canonical-json.js';
import { signEnvelope, verifyEnvelope } from '../snapshots/dsse.js';
import { TREE_HEAD_PAYLOAD_TYPE, type SignedTreeHead, type TreeHead } from './audit-log.js';

/** The bytes a tree head signature covers (before DSSE PAE): canonical JSON of `{root_hash, timestamp, tree_size}`. */
export function treeHeadBytes(head: TreeHead): Buffer {
  return Buffer.from(canonicalJson({ tree_size: head.tree_size, root_hash: head.root_hash, timestamp: head.timestamp }), 'utf8');
}

/** Signs a tree head (a DSSE envelope over its canonical JSON); without a signer the head stays unsigned. */
export function signTreeHead(head: TreeHead, signer: Signer | undefined): SignedTreeHead {
  const plain: TreeHead = { tree_size: head.tree_size, root_hash: head.root_hash, timestamp: head.timestamp };
  return signer ? { ...plain, envelope: signEnvelope(TREE_HEAD_PAYLOAD_TYPE, treeHeadBytes(plain), signer) } : plain;
}

/** Checks a signed head: the envelope's payload must be this head and its signature must verify. */
export function verifyTreeHead(head: SignedTreeHead, verifier: Verifier | undefined): { valid: boolean; reason?: string } {
  if (!head.envelope) return verifier ? { valid: false, reason: 'tree head is not signed' } : { valid: true };
  if (head.envelope.payloadType !== TREE_HEAD_PAYLOAD_TYPE) return { valid: false, reason: `envelope payloadType is ${head.envelope.payloadType}` };
  const payload = Buffer.from(head.envelope.payload, 'base64');
  if (!payload.equals(treeHeadBytes(head))) return { valid: false, reason: 'signed payload does not match the tree head fields' };
  if (!verifier) return { valid: true };
  const r = verifyEnvelope(head.envelope, verifier);
  return r.valid ? { valid: true } : { valid: false, reason: `signature does not verify with key ${verifier.keyid}` };
}
