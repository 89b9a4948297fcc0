import type { JobRun, LineageEmitter } from './lineage-emitter.js';

/**
 * Runs a job between a START and a COMPLETE (or FAIL) lineage event. Without an emitter it just
 * runs the job. `complete` builds the COMPLETE event from the job's result (its inputs and outputs
 * are often known only at the end).
 * @example
 * const result = await runWithLineage(lineage, { job: 'staging.build' }, () => build(), (r) => ({ job: 'staging.build', outputs: datasetsOf(r) }));
 */
export async function runWithLineage<T>(lineage: LineageEmitter | undefined, start: JobRun, work: () => Promise<T>, complete: (result: T) => JobRun): Promise<T> {
  if (!lineage) return work();
  const runId = await lineage.start(start);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await lineage.fail(runId, start, error instanceof Error ? error : new Error(String(error))).catch(() => undefined);
    throw error;
  }
  await lineage.complete(runId, complete(result));
  return result;
}
