import { canonicalJson } from '../util/canonical-json.js';
import type { AuditEntry } from './audit-log.js';

/** Export formats for SIEMs. */
export type AuditExportFormat = 'ndjson' | 'cef';

/** Escapes a CEF header field: backslash and pipe (ArcSight CEF spec, "Header" rules). */
export function escapeCefHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ');
}

/** Escapes a CEF extension value: backslash, equals sign, and line breaks as `\n` / `\r`. */
export function escapeCefValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Severity (0–10) by fact type: erasures, overrides and denials stand out. */
function severity(type: string): number {
  if (/erasure|override|denied|deny|breaker|tamper/.test(type)) return 7;
  if (/approval|action|write/.test(type)) return 5;
  return 3;
}

/**
 * One CEF line for an entry: `CEF:0|Verity|Verity|<version>|<type>|<type>|<severity>|rt=… externalId=<index> suser=<actor> cs1Label=tenant cs1=… cs2Label=leafHash cs2=… msg=<data JSON>`.
 */
export function toCef(entry: AuditEntry, productVersion: string): string {
  const ext: Array<[string, string]> = [
    ['rt', String(Date.parse(entry.time))],
    ['externalId', String(entry.index)],
    ['suser', entry.actor],
    ...(entry.tenant_id ? ([['cs1Label', 'tenant'], ['cs1', entry.tenant_id]] as Array<[string, string]>) : []),
    ['cs2Label', 'leafHash'],
    ['cs2', entry.leaf_hash],
    ['msg', canonicalJson(entry.data)],
  ];
  const header = ['CEF:0', 'Verity', 'Verity', productVersion, entry.type, entry.type, String(severity(entry.type))].map((f, i) => (i === 0 ? f : escapeCefHeader(f)));
  return header.join('|') + '|' + ext.map(([k, v]) => `${k}=${escapeCefValue(v)}`).join(' ');
}

/** One NDJSON line for an entry (canonical JSON, with index and leaf hash). */
export function toNdjson(entry: AuditEntry): string {
  return canonicalJson(entry);
}

/** Streams entries as lines of the chosen format. */
export async function* exportAuditEntries(entries: AsyncIterable<AuditEntry>, format: AuditExportFormat, productVersion = '0.0.0'): AsyncIterable<string> {
  for await (const e of entries) yield (format === 'cef' ? toCef(e, productVersion) : toNdjson(e)) + '\n';
}

/**
 * Writes the log's entries `[from, to)` to `out` (a file path) or returns them as text when `out`
 * is undefined. Streams: memory stays flat for a file export.
 */
export async function exportAuditLog(
  log: { entries(range?: { from?: number; to?: number }): AsyncIterable<AuditEntry> },
  options: { format: AuditExportFormat; out?: string; from?: number; to?: number; productVersion?: string },
): Promise<{ entries: number; out?: string; text?: string }> {
  const { createWriteStream } = await import('node:fs');
  const range = { ...(options.from !== undefined ? { from: options.from } : {}), ...(options.to !== undefined ? { to: options.to } : {}) };
  let n = 0;
  if (options.out === undefined) {
    let text = '';
    for await (const line of exportAuditEntries(log.entries(range), options.format, options.productVersion)) {
      text += line;
      n++;
    }
    return { entries: n, text };
  }
  const stream = createWriteStream(options.out);
  for await (const line of exportAuditEntries(log.entries(range), options.format, options.productVersion)) {
    if (!stream.write(line)) await new Promise<void>((r) => stream.once('drain', () => r()));
    n++;
  }
  await new Promise<void>((resolveEnd, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolveEnd())));
  return { entries: n, out: options.out };
}
