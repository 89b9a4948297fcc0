import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { packageVersion } from '../util/package-root.js';
import type { JobRun, LineageDataset, LineageEmitter } from './lineage-emitter.js';
import { errorMessageFacet, INPUT_FACET_KEYS, jobTypeFacet, OPENLINEAGE_PRODUCER, OPENLINEAGE_SCHEMA_URL, OUTPUT_FACET_KEYS, processingEngineFacet } from './openlineage-facets.js';
import { uuidV7 } from './uuid-v7.js';

/** An OpenLineage 2-0-2 RunEvent as Verity emits it. */
export interface OpenLineageRunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'FAIL';
  eventTime: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: Array<{ namespace: string; name: string; facets?: Record<string, unknown>; inputFacets?: Record<string, unknown> }>;
  outputs: Array<{ namespace: string; name: string; facets?: Record<string, unknown>; outputFacets?: Record<string, unknown> }>;
  producer: string;
  schemaURL: string;
}

/** Options for {@link createOpenLineageEmitter}. */
export interface OpenLineageEmitterOptions {
  /** NDJSON file every event is appended to (the default transport). */
  file: string;
  /** Base URL of an OpenLineage HTTP endpoint (Marquez: events go to `POST {url}/api/v1/lineage`). */
  url?: string;
  /** Bearer token for the HTTP endpoint. */
  apiKey?: string;
  /** Job namespace (config `lineage.namespace`, default `verity`). */
  namespace?: string;
  /** HTTP timeout in ms (default 5000). */
  timeoutMs?: number;
  clock?: () => Date;
  /** Where transport problems are reported (default: stderr). Never receives event bodies. */
  log?: (message: string) => void;
  /** fetch implementation (default: global fetch). */
  fetch?: typeof fetch;
}

/** A lineage emitter that can also flush events the HTTP endpoint has not accepted yet. */
export interface OpenLineageEmitter extends LineageEmitter {
  /** Re-sends buffered events; resolves with how many are still pending. */
  flush(): Promise<number>;
  /** Events waiting for the HTTP endpoint. */
  pending(): number;
}

/**
 * Gives a job's own facets (e.g. `verity_ingest: {accepted: 3}`) the `_producer` and `_schemaURL`
 * every OpenLineage facet must carry, so events stay valid whatever a job passes. Standard facets
 * built with openlineage-facets.ts already have them and are left alone.
 */
export function normalizeFacets(facets: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facets ?? {})) {
    const value = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
    out[k] = { _producer: OPENLINEAGE_PRODUCER, _schemaURL: `${CUSTOM_FACET_SCHEMA_BASE}/${encodeURIComponent(k)}.json`, ...value };
  }
  return out;
}

/** Where the (informal) schemas of Verity's own facets are named. */
export const CUSTOM_FACET_SCHEMA_BASE = 'https://verity.dev/spec/facets/1-0-0';

function splitFacets(d: LineageDataset, extraKeys: Set<string>, extraName: 'inputFacets' | 'outputFacets') {
  const facets: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(normalizeFacets(d.facets))) (extraKeys.has(k) ? extra : facets)[k] = v;
  return {
    namespace: d.namespace,
    name: d.name,
    ...(Object.keys(facets).length ? { facets } : {}),
    ...(Object.keys(extra).length ? { [extraName]: extra } : {}),
  };
}

/**
 * Emits OpenLineage 2-0-2 RunEvents for Verity's jobs: always to an NDJSON file, and to an HTTP
 * endpoint when `url` is set. HTTP failures never fail the job: they are logged (without the
 * event), the event stays in the file and in `<file>.pending.ndjson`, and is re-sent before the next
 * event or on `flush()`.
 * @example
 * const lineage = createOpenLineageEmitter({ file: '.verity/lineage/events.ndjson' });
 * const runId = await lineage.start({ job: 'snapshot.create' });
 * await lineage.complete(runId, { job: 'snapshot.create', outputs: [snapshotDataset('.verity', 'leads')] });
 */
export function createOpenLineageEmitter(options: OpenLineageEmitterOptions): OpenLineageEmitter {
  const file = resolve(options.file);
  const pendingFile = file + '.pending.ndjson';
  const namespace = options.namespace ?? 'verity';
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((m: string) => process.stderr.write(`verity lineage: ${m}\n`));
  const doFetch = options.fetch ?? globalThis.fetch;
  const endpoint = options.url ? options.url.replace(/\/+$/, '') + '/api/v1/lineage' : undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const pendingEvents: string[] = existsSync(pendingFile) ? readFileSync(pendingFile, 'utf8').split('\n').filter(Boolean) : [];
  let version = '0.0.0';
  try {
    version = packageVersion();
  } catch {
    version = '0.0.0';
  }

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function post(body: string): Promise<boolean> {
    if (!endpoint) return true;
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return true;
      log(`POST ${endpoint} answered HTTP ${res.status}; the event is kept in ${pendingFile} and will be re-sent.`);
      return false;
    } catch (error) {
      log(`POST ${endpoint} failed (${(error as Error).message}); the event is kept in ${pendingFile} and will be re-sent.`);
      return false;
    }
  }

  function savePending(): void {
    if (pendingEvents.length === 0) {
      rmSync(pendingFile, { force: true });
      return;
    }
    const tmp = pendingFile + '.tmp';
    writeFileSync(tmp, pendingEvents.join('\n') + '\n');
    renameSync(tmp, pendingFile);
  }

  async function drain(): Promise<void> {
    let sent = 0;
    while (sent < pendingEvents.length && (await post(pendingEvents[sent]!))) sent++;
    if (sent > 0) {
      pendingEvents.splice(0, sent);
      savePending();
    }
  }

  // The directory is created before the first write and again only when a write finds it gone
  // (a mkdir per event was a tenth of an HTTP ingest batch's cost).
  // The append runs on the I/O thread pool, not the event loop (an HTTP server's ingest path).
  let dirReady = false;
  async function appendLine(text: string): Promise<void> {
    if (!dirReady) {
      await mkdir(dirname(file), { recursive: true });
      dirReady = true;
    }
    try {
      await appendFile(file, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, text);
    }
  }

  /**
   * Events emitted before the queue reaches them are written together: the runs of concurrent
   * batches (an HTTP server acknowledging a group commit) cost one file append, not one each.
   * Each emit still resolves only once its own line is written.
   */
  let group: string[] | undefined;
  let groupWritten: Promise<void> | undefined;

  function emit(event: OpenLineageRunEvent): Promise<void> {
    const line = JSON.stringify(event);
    if (group) {
      group.push(line);
      return groupWritten!;
    }
    const lines = (group = [line]);
    groupWritten = serial(async () => {
      group = undefined; // events emitted from here on form the next group
      try {
        await appendLine(lines.join('\n') + '\n');
      } catch (error) {
        throw new VerityError('IO_ERROR', `Cannot write lineage events to ${file}: ${(error as Error).message}. Check lineage.file in verity.config.yaml.`, { cause: error });
      }
      if (!endpoint) return;
      pendingEvents.push(...lines);
      try {
        savePending();
        await drain();
      } catch (error) {
        log(`buffering lineage events failed: ${(error as Error).message}`);
      }
    });
    return groupWritten;
  }

  const runs = new Map<string, string>();
  // Facets that depend only on the version or the job name: built once (they are serialised, never changed).
  const engineFacet = processingEngineFacet(version);
  const jobFacets = new Map<string, { jobType: ReturnType<typeof jobTypeFacet> }>();
  const jobFacetsOf = (job: string, processingType: JobRun['processingType']) => {
    const key = `${processingType ?? ''}\u0000${job}`;
    let facets = jobFacets.get(key);
    if (!facets) {
      if (jobFacets.size >= 256) jobFacets.clear();
      jobFacets.set(key, (facets = { jobType: jobTypeFacet(job, processingType) }));
    }
    return facets;
  };
  const event = (eventType: OpenLineageRunEvent['eventType'], runId: string, run: JobRun, error?: Error): OpenLineageRunEvent => ({
    eventType,
    eventTime: clock().toISOString(),
    run: {
      runId,
      facets: { processing_engine: engineFacet, ...normalizeFacets(run.facets), ...(error ? { errorMessage: errorMessageFacet(error) } : {}) },
    },
    job: { namespace, name: run.job, facets: jobFacetsOf(run.job, run.processingType) },
    inputs: (run.inputs ?? []).map((d) => splitFacets(d, INPUT_FACET_KEYS, 'inputFacets')),
    outputs: (run.outputs ?? []).map((d) => splitFacets(d, OUTPUT_FACET_KEYS, 'outputFacets')),
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
  });
  const check = (run: JobRun) => {
    if (!run || typeof run.job !== 'string' || run.job.length === 0) throw new VerityError('INVALID_ARGUMENT', 'A lineage run needs a job name (e.g. "snapshot.create").');
  };

  return {
    async start(run) {
      check(run);
      const runId = uuidV7(clock().getTime());
      runs.set(runId, run.job);
      await emit(event('START', runId, run));
      return runId;
    },
    async running(runId, run) {
      check(run);
      await emit(event('RUNNING', runId, run));
    },
    async complete(runId, run) {
      check(run);
      runs.delete(runId);
      await emit(event('COMPLETE', runId, run));
    },
    async fail(runId, run, error) {
      check(run);
      runs.delete(runId);
      await emit(event('FAIL', runId, run, error));
    },
    flush() {
      return serial(async () => {
        await drain();
        return pendingEvents.length;
      });
    },
    pending() {
      return pendingEvents.length;
    },
  };
}

/** Reads the events of an NDJSON lineage file (skipping a torn last line). */
export function readLineageEvents(file: string): OpenLineageRunEvent[] {
  if (!existsSync(file)) return [];
  const out: OpenLineageRunEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as OpenLineageRunEvent);
    } catch {
      // a torn last line from a crash; every complete line is kept
    }
  }
  return out;
}
