/**
 * The narrow interface every job uses to record a consequential fact in the audit log
 * (DESIGN.md section 9). The audit module implements it; other modules take it as an optional
 * dependency so they work (and test) without one.
 */

/** One consequential fact. */
export interface AuditFact {
  /** What happened: `contract.published`, `ingest.batch`, `quarantine.replay`, `snapshot.created`, … */
  type: string;
  /** Who or what did it (a user, `verity serve`, a job name). */
  actor: string;
  /** The tenant it concerns, when it concerns one. */
  tenant_id?: string;
  /** When it happened, ISO 8601 UTC. */
  time: string;
  /** The fact's details (ids, counts, digests): JSON-safe, no secrets, no raw PII. */
  data: Record<string, unknown>;
}

/** Anything that can record facts: the audit log itself, or a test double. */
export interface AuditSink {
  /** Appends facts durably and returns the index of the first one. */
  append(facts: AuditFact[]): Promise<{ firstIndex: number }>;
}
