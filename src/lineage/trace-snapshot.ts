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
  /** The newest completed run that wrote it (before the snapshot), if lineage recorded one. */
  producedBy?: { job: string; runId: string; eventTime: string };
  /** How many completed runs wrote it before the snapshot (ingest batches, replays, builds…). */
  runs: number;
  /** The jobs of those runs, each once. */
  jobs: string[];
  /** The datasets those runs read (`namespace/name`), each once. */
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
 * What a run read to write `output`: the datasets its column lineage names for that output when it
 * has one (one run may write several outputs from different inputs, e.g. a materialization of two
 * views), else all of the run's inputs.
 */
function inputsOf(run: OpenLineageRunEvent, output: string): Array<{ namespace: string; name: string }> {
  if ((run.outputs ?? []).length < 2) return run.inputs ?? [];
  const out = (run.outputs ?? []).find((o) => key(o) === output);
  const fields = (out?.facets?.columnLineage as { fields?: Record<string, { inputFields?: Array<{ namespace: string; name: string }> }> } | undefined)?.fields;
  if (!fields) return run.inputs ?? [];
  const found = new Map<string, { namespace: string; name: string }>();
  for (const f of Object.values(fields)) for (const i of f.inputFields ?? []) found.set(key(i), { namespace: i.namespace, name: i.name });
  return found.size ? [...found.values()] : (run.inputs ?? []);
}

/**
 * Walks back from a snapshot to what it came from: the signed manifest gives the raw files and
 * contract versions it read; the lineage events give, for each dataset, the completed run that
 * wrote it and what that run read, up to the sources (HubSpot, Salesforce, PostgreSQL, files).
 */
export function traceSnapshot(manifest: SnapshotManifest, events: OpenLineageRunEvent[], options: { maxDepth?: number; namespace?: string } = {}): SnapshotTrace {
  const maxDepth = options.maxDepth ?? 20;
  // The snapshot's own run: the COMPLETE event whose output carries this content id as its version.
  const own = events.find((e) => e.eventType === 'COMPLETE' && (e.outputs ?? []).some((o) => (o.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion === manifest.snapshot.id));
  // Every completed run that wrote a dataset up to the snapshot (a zone is written by many ingest
  // batches, from several sources): later runs did not feed it.
  const cutoff = own?.eventTime ?? manifest.snapshot.created_at;
  const producers = new Map<string, OpenLineageRunEvent[]>();
  for (const e of events) {
    if (e.eventType !== 'COMPLETE' || e.eventTime > cutoff || e === own) continue;
    for (const o of e.outputs ?? []) {
      const list = producers.get(key(o));
      if (list) list.push(e);
      else producers.set(key(o), [e]);
    }
  }
  const start = own?.outputs.find((o) => (o.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion === manifest.snapshot.id) ?? {
    namespace: options.namespace ?? 'verity',
    name: `snapshots.${manifest.snapshot.name}`,
  };
  const nodes: TraceNode[] = [];
  const seen = new Set<string>();
  const queue: Array<{ namespace: string; name: string; depth: number; runs?: OpenLineageRunEvent[] }> = [{ namespace: start.namespace, name: start.name, depth: 0, ...(own ? { runs: [own] } : {}) }];
  while (queue.length) {
    const d = queue.shift()!;
    const k = key(d);
    if (seen.has(k)) continue;
    seen.add(k);
    const runs = d.runs ?? producers.get(k) ?? [];
    const inputs = new Map<string, { namespace: string; name: string }>();
    for (const run of runs) for (const i of inputsOf(run, k)) if (key(i) !== k) inputs.set(key(i), i);
    const newest = runs.reduce<OpenLineageRunEvent | undefined>((a, b) => (!a || b.eventTime >= a.eventTime ? b : a), undefined);
    nodes.push({
      dataset: k,
      namespace: d.namespace,
      name: d.name,
      depth: d.depth,
      ...(newest ? { producedBy: { job: newest.job.name, runId: newest.run.runId, eventTime: newest.eventTime } } : {}),
      runs: runs.length,
      jobs: [...new Set(runs.map((r) => r.job.name))],
      inputs: [...inputs.keys()],
    });
    if (d.depth < maxDepth) for (const i of inputs.values()) queue.push({ namespace: i.namespace, name: i.name, depth: d.depth + 1 });
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
