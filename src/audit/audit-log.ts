/**
 * The audit log contract (DESIGN.md section 9): an append-only, RFC 9162 Merkle-tree log of
 * {@link AuditFact}s with signed tree heads, inclusion and consistency proofs and full verification.
 *
 * Implementations: `createFileAuditLog` (embedded default) and `createPostgresAuditLog` (teams).
 * Both pass `test/conformance/audit-log.ts`.
 */
import type { AuditFact, AuditSink } from './audit-sink.js';
import type { DsseEnvelope } from '../snapshots/dsse.js';

/** One stored entry: its position, the fact, and its leaf hash. */
export interface AuditEntry extends AuditFact {
  /** 0-based position in the log. */
  index: number;
  /** Hex `H(0x00 || canonical entry bytes)`. */
  leaf_hash: string;
}

/** A tree head: the log's size and root at one moment. */
export interface TreeHead {
  tree_size: number;
  /** Hex SHA-256 root of the first `tree_size` entries. */
  root_hash: string;
  /** When the head was made (ISO 8601 UTC). */
  timestamp: string;
}

/** A tree head with its DSSE signature (absent when the log has no signer). */
export interface SignedTreeHead extends TreeHead {
  /** DSSE envelope whose payload is the canonical JSON of the {@link TreeHead} (payloadType {@link TREE_HEAD_PAYLOAD_TYPE}). */
  envelope?: DsseEnvelope;
}

/** The DSSE payload type of a signed tree head. */
export const TREE_HEAD_PAYLOAD_TYPE = 'application/vnd.verity.audit-tree-head+json';

/** An inclusion proof of one entry against a tree size. */
export interface InclusionProof {
  index: number;
  tree_size: number;
  leaf_hash: string;
  root_hash: string;
  /** Hex hashes, leaf to root (RFC 9162 §2.1.3.1). */
  proof: string[];
}

/** A consistency proof between two tree sizes. */
export interface ConsistencyProof {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  /** Hex hashes (RFC 9162 §2.1.4.1). */
  proof: string[];
}

/** One problem a verification found. */
export interface AuditProblem {
  /** The first entry concerned, when one can be named. */
  index?: number;
  /** `entry` (bytes or framing), `leaf` (stored leaf hash), `node` (stored subtree hash), `head` (root or signature), `index`. */
  kind: 'entry' | 'leaf' | 'node' | 'head' | 'index';
  message: string;
}

/** The result of a full verification. */
export interface AuditVerification {
  valid: boolean;
  /** Entries read. */
  entries: number;
  /** Signed tree heads checked. */
  heads: number;
  /** False when no public key was available: roots were checked, head signatures were not. */
  signatures_checked: boolean;
  /** The recomputed root of all entries (hex). */
  root_hash: string;
  /** The first bad entry, when one is known. */
  first_bad_index?: number;
  /** Every problem found, in log order (capped). */
  problems: AuditProblem[];
}

/** What an implementation supports. */
export interface AuditLogCapabilities {
  /** Several processes may append concurrently. */
  sharedWriters: boolean;
  /** Appends are durable when `append` resolves. */
  durable: boolean;
}

/** The audit log. */
export interface AuditLog extends AuditSink {
  readonly capabilities: AuditLogCapabilities;
  /** Appends facts as one batch (one signed tree head per batch); resolves after they are durable. */
  append(facts: AuditFact[]): Promise<{ firstIndex: number; head: SignedTreeHead }>;
  /** Number of entries. */
  size(): Promise<number>;
  /** The newest signed tree head (size 0 with the empty root when the log is empty). */
  head(): Promise<SignedTreeHead>;
  /** Every signed tree head, oldest first. */
  heads(): AsyncIterable<SignedTreeHead>;
  /** One entry. @throws VerityError NOT_FOUND */
  entry(index: number): Promise<AuditEntry>;
  /** Entries `[from, to)` in order. */
  entries(options?: { from?: number; to?: number }): AsyncIterable<AuditEntry>;
  /** Inclusion proof of entry `index` in the tree of `treeSize` entries (default: current size). */
  inclusionProof(index: number, treeSize?: number): Promise<InclusionProof>;
  /** Consistency proof from `size1` to `size2` (default: current size). */
  consistencyProof(size1: number, size2?: number): Promise<ConsistencyProof>;
  /** Recomputes every leaf, node and root and checks every signed head. */
  verify(): Promise<AuditVerification>;
  /** Releases files or connections; safe to call twice. */
  close(): Promise<void>;
}
