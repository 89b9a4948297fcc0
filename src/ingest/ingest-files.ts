import { createReadStream, statSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Envelope } from '../envelope.js';
import { VerityError, isVerityError } from '../errors.js';
import { addIngestReport, emptyIngestReport, type IngestReport, type IngestTarget } from './ingest-target.js';
import type { DecodeResult, RejectedItem, Source, SourceDelivery, SourceSignal } from './source.js';

/**
 * How a file's lines are read: `deliveries` (one recorded HTTP delivery per line,
 * `{method,url,headers,body}`, as the generator writes `hubspot/deliveries.ndjson`), `lines` (one
 * event or envelope per line), or `file` (the whole file is one delivery: CSV and NDJSON bulk
 * exports, whose event ids come from the file name and row numbers; read by the source's own
 * `decodeStream`).
 */
export type FileReadMode = 'deliveries' | 'lines' | 'file' | 'auto';

/** Options of {@link ingestFiles}. */
export interface IngestFilesOptions {
  /** Files or directories (directories are walked, `.ndjson`, `.jsonl`, `.json` and `.csv` files in name order). */
  paths: string[];
  source: Source;
  /** How lines are read (default: `file` for streaming sources (csv, ndjson), `deliveries` for sources that verify signatures, else `lines`). */
  mode?: FileReadMode;
  target: IngestTarget;
  tenant_id: string;
  /** Envelopes per durable lake batch (default 2000). */
  batchSize?: number;
  /** Shared secret; recorded deliveries are verified with it unless `verify` is false. */
  secret?: string | undefined;
  verify?: boolean;
  /** Longest line accepted, in bytes (default 16 MiB); longer lines are quarantined (`LINE_TOO_LARGE`). */
  maxLineBytes?: number;
  /** The clock for decoding. */
  now?: () => Date;
  /** Called with the total bytes to read, then with bytes read so far. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link ingestFiles} did. */
export interface IngestFilesReport extends Omit<IngestReport, 'results'> {
  files: number;
  /** Lines (or deliveries) read. */
  lines: number;
  signals: SourceSignal[];
}

const FILE_PATTERN = /\.(ndjson|jsonl|json|csv)$/i;

/** Lists the files to read: files as given, directories walked recursively in name order. */
export function listIngestFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch (cause) {
      throw new VerityError('NOT_FOUND', `Cannot read ${p}: no such file or directory.`, { cause });
    }
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name), false);
    else if (st.isFile() && (explicit || FILE_PATTERN.test(p))) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

function defaultMode(source: Source): FileReadMode {
  if (source.decodeStream) return 'file';
  // A signing source's file may hold recorded deliveries ({method, url, headers, body}) or plain
  // events (a Debezium topic dump): decide per line.
  return source.capabilities.signatures ? 'auto' : 'lines';
}

/** True when a line is a recorded delivery `{…, "body": "<raw text>"}` rather than an event. */
function isDeliveryLine(line: string): boolean {
  if (!line.includes('"body"')) return false;
  try {
    const d = JSON.parse(line) as { body?: unknown; headers?: unknown };
    return typeof d === 'object' && d !== null && typeof d.body === 'string' && typeof d.headers === 'object' && d.headers !== null;
  } catch {
    return false;
  }
}

/** A recorded delivery line → SourceDelivery; throws MALFORMED_INPUT when the line is not one. */
function parseDeliveryLine(line: string): SourceDelivery {
  let d: unknown;
  try {
    d = JSON.parse(line);
  } catch (cause) {
    throw new VerityError('MALFORMED_INPUT', `Delivery line is not JSON: ${(cause as Error).message}`, { cause });
  }
  const r = d as { method?: unknown; url?: unknown; headers?: unknown; body?: unknown };
  if (typeof r !== 'object' || r === null || typeof r.body !== 'string' || (r.headers !== undefined && (typeof r.headers !== 'object' || r.headers === null)))
    throw new VerityError('MALFORMED_INPUT', 'A delivery line must be {method, url, headers, body: "<raw text>"}.');
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, unknown>)) headers[k.toLowerCase()] = v === undefined || v === null ? undefined : String(v);
  return {
    body: Buffer.from(r.body, 'utf8'),
    headers,
    ...(typeof r.method === 'string' ? { method: r.method } : {}),
    ...(typeof r.url === 'string' ? { url: r.url } : {}),
  };
}

// Recorded deliveries are replayed long after they were signed: the HMAC is still checked, but the
// freshness window is taken at the delivery's own timestamp (a replay cannot be fresh).
function deliveryClock(delivery: SourceDelivery, fallback: Date): Date {
  const ts = Number(delivery.headers['x-hubspot-request-timestamp'] ?? delivery.headers['webhook-timestamp'] ?? NaN);
  if (!Number.isFinite(ts)) return fallback;
  return new Date(ts < 1e12 ? ts * 1000 : ts);
}

/**
 * Streams files through a source into the lake in durable batches: what `verity ingest` runs.
 * Nothing is dropped: lines that cannot be decoded, verified or read go to quarantine with a reason.
 * @example
 * const report = await ingestFiles({ paths: ['out/tenants/t01/hubspot/deliveries.ndjson'], source, target: lake, tenant_id: 't01', secret });
 */
export async function ingestFiles(options: IngestFilesOptions): Promise<IngestFilesReport> {
  const { source, target, tenant_id } = options;
  const mode = options.mode ?? defaultMode(source);
  const batchSize = options.batchSize ?? 2000;
  const maxLine = options.maxLineBytes ?? 16 * 1024 * 1024;
  const now = options.now ?? (() => new Date());
  const files = listIngestFiles(options.paths);
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  const totals = emptyIngestReport();
  const signals: SourceSignal[] = [];
  let lines = 0;
  let done = 0;
  let envelopes: Envelope[] = [];
  let rejected: RejectedItem[] = [];
  const flush = async () => {
    if (!envelopes.length && !rejected.length) return;
    const batch = envelopes;
    const bad = rejected;
    envelopes = [];
    rejected = [];
    addIngestReport(totals, await target.ingest(batch, { rejected: bad, source: source.name, tenant_id }), false);
  };
  const take = async (result: DecodeResult, where?: string) => {
    for (const e of result.envelopes) envelopes.push(e);
    // Items rejected inside one line keep their index within the delivery; the message names the line.
    for (const r of result.rejected) rejected.push(where ? { ...r, message: `${where}: ${r.message}` } : r);
    for (const s of result.signals) signals.push(s);
    if (envelopes.length + rejected.length >= batchSize) await flush();
  };
  options.onProgress?.(0, total);

  for (const file of files) {
    if (mode === 'file') {
      if (!source.decodeStream) throw new VerityError('USAGE', `Source "${source.name}" cannot read whole files; it takes one item per line.`);
      for await (const result of source.decodeStream(file, { tenant_id, now: now() }, { batchSize })) {
        lines += result.envelopes.length + result.rejected.length;
        await take(result);
      }
      done += statSync(file).size;
      options.onProgress?.(done, total);
      continue;
    }
    const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of rl) {
      lineNo++;
      done += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      lines++;
      const where = `${basename(file)}:${lineNo}`;
      try {
        if (Buffer.byteLength(line) > maxLine) throw new VerityError('PAYLOAD_TOO_LARGE', `${where}: line is longer than ${maxLine} bytes.`);
        const recorded = mode === 'deliveries' || (mode === 'auto' && isDeliveryLine(line));
        const delivery: SourceDelivery = recorded ? parseDeliveryLine(line) : { body: Buffer.from(line, 'utf8'), headers: {} };
        const at = recorded ? deliveryClock(delivery, now()) : now();
        const secret = options.secret;
        // Signatures travel with recorded deliveries; a plain event line has none to check.
        if (recorded && secret !== undefined && options.verify !== false && source.capabilities.signatures) source.verify?.(delivery, { tenant_id, now: at, secret });
        await take(source.decode(delivery, { tenant_id, now: at, ...(secret === undefined ? {} : { secret }) }), where);
      } catch (error) {
        if (!isVerityError(error) || error.code === 'INTERNAL') throw error;
        // Quarantine keeps the line as read; only an over-limit line is cut to a 64 KiB preview.
        const tooLarge = error.code === 'PAYLOAD_TOO_LARGE';
        const raw = tooLarge ? line.slice(0, 65_536) : line;
        rejected.push({ index: lineNo, raw, code: tooLarge ? 'LINE_TOO_LARGE' : error.code, message: `${where}: ${error.message}` });
        if (rejected.length >= batchSize) await flush();
      }
      if (lineNo % 1000 === 0) options.onProgress?.(done, total);
    }
    options.onProgress?.(done, total);
  }
  await flush();
  const { results: _results, ...counts } = totals;
  return { ...counts, files: files.length, lines, signals };
}
