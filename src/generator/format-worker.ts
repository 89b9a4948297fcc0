/**
 * Entry of the generator's second thread (started by format-thread.ts): for each job, runs the
 * seeded simulation and writes the job's formats, then replies with the files written or the error.
 */
import { parentPort } from 'node:worker_threads';
import { VerityError } from '../errors.js';
import { writeFormatFiles } from './format-files.js';
import type { FormatJob, FormatJobReply } from './format-thread.js';

const port = parentPort;
if (!port) throw new Error('format-worker.ts runs in a worker thread');
port.on('message', (job: FormatJob) => {
  const stop = new Int32Array(job.stop);
  let reply: FormatJobReply;
  try {
    reply = { files: writeFormatFiles(job.options, job.dir, job.formats, () => Atomics.load(stop, 0) !== 0) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { error: { message: e.message, ...(e instanceof VerityError ? { code: e.code } : {}) } };
  }
  port.postMessage(reply);
});
