import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestReport } from '../ingest/ingest-target.js';

/** The Prometheus metrics the server keeps (one registry per server, so several can run in one process). */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts a batch's outcome by source, status and (for quarantine) reason, and observes its latency. */
  recordBatch(source: string, report: IngestReport, seconds: number): void;
  /** Counts an error reply by code. */
  recordError(source: string, code: string): void;
}

/** Creates the server's metrics; `defaultMetrics` adds Node's process metrics (off in tests). */
export function createServerMetrics(options: { defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: 'verity_ingest_events_total',
    help: 'Events received over HTTP, by source, outcome (accepted, duplicate, quarantined) and quarantine reason.',
    labelNames: ['source', 'status', 'reason'] as const,
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'verity_ingest_batch_duration_seconds',
    help: 'Time from a request body being read to its batch being durable, by source.',
    labelNames: ['source'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'verity_ingest_errors_total',
    help: 'Rejected requests, by source and stable error code.',
    labelNames: ['source', 'code'] as const,
    registers: [registry],
  });
  return {
    registry,
    recordBatch(source, report, seconds) {
      if (report.accepted) events.inc({ source, status: 'accepted', reason: '' }, report.accepted);
      if (report.duplicates) events.inc({ source, status: 'duplicate', reason: '' }, report.duplicates);
      for (const [reason, n] of Object.entries(report.byReason)) events.inc({ source, status: 'quarantined', reason }, n);
      batches.observe({ source }, seconds);
    },
    recordError(source, code) {
      errors.inc({ source, code });
    },
  };
}
