import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { VerityError } from '../errors.js';

/** What posting recorded deliveries to a running server did. */
export interface PostReport {
  requests: number;
  /** Requests answered 202. */
  acceptedRequests: number;
  /** Requests refused, by HTTP status and error code. */
  refused: Record<string, number>;
  accepted: number;
  duplicates: number;
  quarantined: number;
  byReason: Record<string, number>;
}

/** A recorded webhook delivery as the generator writes it (`hubspot/deliveries.ndjson`). */
interface RecordedDelivery {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

async function* lines(path: string): AsyncIterable<string> {
  if (!existsSync(path)) return;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}

function emptyReport(): PostReport {
  return { requests: 0, acceptedRequests: 0, refused: {}, accepted: 0, duplicates: 0, quarantined: 0, byReason: {} };
}

async function send(report: PostReport, url: string, headers: Record<string, string>, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body });
  report.requests++;
  const json = (await res.json().catch(() => ({}))) as Record<string, any>;
  if (res.status === 202) {
    report.acceptedRequests++;
    report.accepted += json.accepted ?? 0;
    report.duplicates += json.duplicates ?? 0;
    report.quarantined += json.quarantined ?? 0;
    for (const [reason, n] of Object.entries((json.byReason ?? {}) as Record<string, number>)) report.byReason[reason] = (report.byReason[reason] ?? 0) + n;
  } else {
    const key = `${res.status} ${json.error?.code ?? 'unknown'}`;
    report.refused[key] = (report.refused[key] ?? 0) + 1;
  }
}

/**
 * Replays recorded HubSpot webhook deliveries against a running server, in order, exactly as
 * HubSpot sent them (same URL path, headers and signed bytes). `setClock` is called with each
 * delivery's signing time before it is sent, so the server's five-minute freshness window applies to
 * the recording's own clock.
 */
export async function postRecordedDeliveries(path: string, baseUrl: string, setClock: (time: Date) => void): Promise<PostReport> {
  const report = emptyReport();
  for await (const line of lines(path)) {
    let d: RecordedDelivery;
    try {
      d = JSON.parse(line) as RecordedDelivery;
    } catch (error) {
      throw new VerityError('MALFORMED_INPUT', `${path}: a line is not JSON: ${(error as Error).message}`);
    }
    const target = new URL(d.url);
    const ts = Number(d.headers['x-hubspot-request-timestamp']);
    if (Number.isFinite(ts)) setClock(new Date(ts));
    await send(report, `${baseUrl}${target.pathname}${target.search}`, d.headers, d.body);
  }
  return report;
}

/** Posts an NDJSON file of events to a webhook route in JSON-array batches of `batchSize`. */
export async function postEventBatches(path: string, url: string, batchSize = 100): Promise<PostReport> {
  const report = emptyReport();
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await send(report, url, { 'content-type': 'application/json' }, `[${batch.join(',')}]`);
    batch = [];
  };
  for await (const line of lines(path)) {
    batch.push(line);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}
