import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { decodeBase64, parseEnvelope } from './dsse.js';
import { parseStatement } from './in-toto.js';
import { snapshotVersions } from './create-snapshot.js';
import type { SnapshotManifest } from './snapshot-manifest.js';

/** One row of {@link listSnapshots}. */
export interface SnapshotSummary {
  name: string;
  version: number;
  id: string;
  created_at: string;
  rows: number;
  purpose: string | null;
  path: string;
}

/** The signed manifest of the snapshot at `path` (read from its DSSE envelope, not from manifest.json). */
export function readSignedManifest(path: string): SnapshotManifest {
  const file = join(path, 'statement.dsse.json');
  if (!existsSync(file)) throw new VerityError('NOT_FOUND', `No signed statement at ${file}; is ${path} a snapshot directory?`);
  let envelope;
  try {
    envelope = parseEnvelope(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', `${file} is not a DSSE envelope: ${(error as Error).message}`, { cause: error });
  }
  return parseStatement(decodeBase64(envelope.payload, 'payload')).predicate as SnapshotManifest;
}

/** Every snapshot version under the snapshots root, by name then version. */
export function listSnapshots(dir: string): SnapshotSummary[] {
  const root = resolve(dir);
  if (!existsSync(root)) return [];
  const out: SnapshotSummary[] = [];
  for (const name of readdirSync(root).filter((n) => !n.startsWith('.')).sort()) {
    for (const version of snapshotVersions(root, name)) {
      const path = join(root, name, `v${version}`);
      try {
        const m = readSignedManifest(path);
        out.push({ name, version, id: m.snapshot.id, created_at: m.snapshot.created_at, rows: m.data.rows, purpose: m.consent.purpose, path });
      } catch {
        out.push({ name, version, id: '(unreadable: run verify)', created_at: '', rows: 0, purpose: null, path });
      }
    }
  }
  return out;
}

/**
 * Finds a snapshot directory from a reference: `name` (newest version), `name@3` / `name@v3`, a
 * content id `sha256:<hex>`, or a unique hex prefix of one (8+ characters).
 * @throws VerityError NOT_FOUND / INVALID_ARGUMENT (ambiguous prefix)
 */
export function resolveSnapshot(dir: string, ref: string): string {
  const root = resolve(dir);
  const at = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@v?(\d+)$/.exec(ref);
  if (at) {
    const path = join(root, at[1]!, `v${at[2]}`);
    if (!existsSync(path)) throw new VerityError('NOT_FOUND', `Snapshot ${at[1]} has no version ${at[2]} (have: ${snapshotVersions(root, at[1]!).join(', ') || 'none'}).`);
    return path;
  }
  const versions = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref) && existsSync(join(root, ref)) ? snapshotVersions(root, ref) : [];
  if (versions.length) return join(root, ref, `v${versions[versions.length - 1]}`);
  const hex = ref.replace(/^sha256:/, '').toLowerCase();
  if (/^[0-9a-f]{8,64}$/.test(hex)) {
    const matches = listSnapshots(root).filter((s) => s.id.startsWith('sha256:' + hex));
    if (matches.length === 1) return matches[0]!.path;
    // Same content id for several versions (same inputs): the newest one.
    if (matches.length > 1 && new Set(matches.map((m) => m.id)).size === 1) return matches[matches.length - 1]!.path;
    if (matches.length > 1) throw new VerityError('INVALID_ARGUMENT', `Snapshot id prefix ${ref} is ambiguous: ${matches.map((m) => `${m.name}@${m.version}`).join(', ')}. Use more characters.`);
  }
  throw new VerityError('NOT_FOUND', `No snapshot matches "${ref}" in ${root}. Use a name, name@version or a content id (see \`verity snapshot list\`).`);
}
