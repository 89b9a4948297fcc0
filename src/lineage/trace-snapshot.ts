import type { SnapshotManifest } from '../snapshots/snapshot-manifest.js';
import type { OpenLineageRunEvent } from './openlineage-emitter.js';

/** One dataset on the path back from a snapshot, with the run that produced it. */
export interface TraceNode {
  /** `namespace/name`. */
  dataset: string;
  namespace: string;
  name: string;
  /** Hops from the snapshot (the snapshot itself is 0). */
  depth: number;
  /** The newest completed run that wrote it, if lineage recorded one. */
  producedBy?: { job: string; runId: string; eventTime: string };
  /** The datasets that run read (`namespace/name`). */
  inputs: string[];
}

/** The result of {@link traceSnapshot}. */
export interface SnapshotTrace {
  snapshot: { name: string; version: number; id: string };
  /** Contract versions the snapshot's features were validated against (from the signed manifest). */
  contracts: Array<{ entity: string; version: string }>;
  feature_views: Array<{ name: string; version: string }>;
  /** Raw lake files read, with their hashes (from the signed manifest). */
  files_read: Array<{ path: string; sha256: string; rows: number }>;
  /** Every dataset reached walking back through lineage, breadth first. */
  nodes: TraceNode[];
  /** Datasets with no recorded producer: the sources (CRMs, databases, files). */
  sources: string[];
}

const key = (d: { namespace: string; name: string }) => `${d.namespace}/${d.name}`;

/**
 * Walks back from a snapshot to what it came from: the signed manifest gives the raw files and
 * contract versions it read; the lineage events give, for each dataset, the completed run that
 * wrote it and what that run read, up to the sources (HubSpot, Salesforce, PostgreSQL, files).
 */
export function traceSnapshot(manifest: SnapshotManifest, events: OpenLineageRunEvent[], options: { maxDepth?: number; namespace?: string } = {}): SnapshotTrace {
  const maxDepth = options.maxDepth ?? 20;
  const producers = new Map<string, OpenLineageRunEvent>();
  for (const e of events) {
    if (e.eventType !== 'COMPLETE') continue;
    for (const o of e.outputs ?? []) {
      const prev = producers.get(key(o));
      if (!prev || prev.eventTime <= e.eventTime) producers.set(key(o), e);
    }
  }
  // The snapshot's own run: the COMPLETE event whose output carries this content id as its version.
  const own = events.find((e) => e.eventType === 'COMPLETE' && (e.outputs ?? []).some((o) => (o.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion === manifest.snapshot.id));
  const start = own?.outputs.find((o) => (o.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion === manifest.snapshot.id) ?? {
    namespace: options.namespace ?? 'verity',
    name: `snapshots.${manifest.snapshot.name}`,
  };
  const nodes: TraceNode[] = [];
  const seen = new Set<string>();
  const queue: Array<{ namespace: string; name: string; depth: number; run?: OpenLineageRunEvent }> = [{ namespace: start.namespace, name: start.name, depth: 0, ...(own ? { run: own } : {}) }];
  while (queue.length) {
    const d = queue.shift()!;
    const k = key(d);
    if (seen.has(k)) continue;
    seen.add(k);
    const run = d.run ?? producers.get(k);
    const inputs = (run?.inputs ?? []).map(key);
    nodes.push({ dataset: k, namespace: d.namespace, name: d.name, depth: d.depth, ...(run ? { producedBy: { job: run.job.name, runId: run.run.runId, eventTime: run.eventTime } } : {}), inputs });
    if (d.depth < maxDepth) for (const i of run?.inputs ?? []) queue.push({ namespace: i.namespace, name: i.name, depth: d.depth + 1 });
  }
  return {
    snapshot: { name: manifest.snapshot.name, version: manifest.snapshot.version, id: manifest.snapshot.id },
    contracts: manifest.contracts,
    feature_views: manifest.feature_views,
    files_read: manifest.lake.files_read,
    nodes,
    sources: nodes.filter((n) => !n.producedBy && n.depth > 0).map((n) => n.dataset),
  };
}
