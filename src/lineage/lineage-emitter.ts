/**
 * The narrow interface every job uses to report its runs as OpenLineage 2-0-2 run events
 * (DESIGN.md section 1). The lineage module implements it (NDJSON file, HTTP); jobs take it as an
 * optional dependency.
 */

/** A dataset a job read or wrote, named per docs/lineage.md (namespace + name). */
export interface LineageDataset {
  namespace: string;
  name: string;
  /** OpenLineage dataset facets (schema, dataSource, dataQualityMetrics, columnLineage…). */
  facets?: Record<string, unknown>;
}

/** What a job reports when it starts, completes or fails. */
export interface JobRun {
  /** The job's name, e.g. `ingest.batch`, `lake.compaction`, `staging.build`, `snapshot.create`. */
  job: string;
  inputs?: LineageDataset[];
  outputs?: LineageDataset[];
  /** Extra run facets. */
  facets?: Record<string, unknown>;
  /** `BATCH` (default) or `STREAMING` (a long-lived run reporting progress with `running`). */
  processingType?: 'BATCH' | 'STREAMING';
}

/** Reports runs. `start` returns a run id; `running` reports progress; `complete`/`fail` close it. */
export interface LineageEmitter {
  start(run: JobRun): Promise<string>;
  /** A RUNNING event: progress of a long-lived run (optional; emitters without it skip progress). */
  running?(runId: string, run: JobRun): Promise<void>;
  complete(runId: string, run: JobRun): Promise<void>;
  fail(runId: string, run: JobRun, error: Error): Promise<void>;
}
