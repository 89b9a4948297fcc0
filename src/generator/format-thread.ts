import { Worker } from 'node:worker_threads';
import { VerityError, type ErrorCode } from '../errors.js';
import type { WrittenFiles } from './format-files.js';
import type { GeneratorFormat, ResolvedGenerateOptions } from './options.js';

/** A job for the second thread: write `formats` of the run into `dir`. */
export interface FormatJob {
  options: ResolvedGenerateOptions;
  dir: string;
  formats: GeneratorFormat[];
  /** One Int32: set to 1 to stop the job at its next simulated day. */
  stop: SharedArrayBuffer;
}

/** The second thread's reply to a job. */
export type FormatJobReply = { files: WrittenFiles; error?: undefined } | { error: { message: string; code?: ErrorCode } };

/** Idle workers kept for the next run (warm: their code is already optimised). */
const idle: Worker[] = [];
/** How long an idle worker is kept: back-to-back runs reuse it, a long-running process gets its memory back. */
const IDLE_MS = 10_000;
const idleTimers = new Map<Worker, NodeJS.Timeout>();

function takeIdle(): Worker | undefined {
  const worker = idle.pop();
  if (worker) {
    clearTimeout(idleTimers.get(worker));
    idleTimers.delete(worker);
  }
  return worker;
}

function putIdle(worker: Worker): void {
  worker.unref();
  idle.push(worker);
  const timer = setTimeout(() => {
    idleTimers.delete(worker);
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idleTimers.set(worker, timer);
}

function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './format-worker.ts' : './format-worker.js', import.meta.url);
  // From source (tests, benchmarks), the worker registers tsx's loader before importing the entry.
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`, { eval: true })
    : new Worker(url);
}

/**
 * A run of {@link FormatJob} on a worker thread, started at once. `files` resolves with the files
 * it wrote or rejects with its error (a `VerityError` keeps its code); `failed` turns true as soon
 * as the failure is known, so the calling thread can stop early. A worker is reused by the runs
 * that start within 10 s of the last one's end, and does not keep the process alive while idle.
 */
export class FormatThreadRun {
  readonly files: Promise<WrittenFiles>;
  failed = false;
  private readonly stopFlag = new SharedArrayBuffer(4);

  constructor(options: ResolvedGenerateOptions, dir: string, formats: GeneratorFormat[]) {
    const worker = takeIdle() ?? startWorker();
    worker.ref();
    this.files = new Promise<WrittenFiles>((resolve, reject) => {
      const done = (error: Error | undefined, files?: WrittenFiles, reusable = false) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (reusable) putIdle(worker);
        else void worker.terminate();
        if (error) {
          this.failed = true;
          reject(error);
        } else resolve(files!);
      };
      const onMessage = (reply: FormatJobReply) =>
        reply.error ? done(reply.error.code ? new VerityError(reply.error.code, reply.error.message) : new Error(reply.error.message), undefined, true) : done(undefined, reply.files, true);
      const onError = (error: Error) => done(error);
      const onExit = (code: number) => done(new Error(`the generator's second thread exited (code ${code})`));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    // Callers may stop before awaiting: the rejection is theirs to read, never unhandled.
    this.files.catch(() => undefined);
    const job: FormatJob = { options, dir, formats, stop: this.stopFlag };
    worker.postMessage(job);
  }

  /** Asks the thread to stop at its next simulated day and waits until its files are closed. */
  async stop(): Promise<void> {
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
    await this.files.catch(() => undefined);
  }
}
