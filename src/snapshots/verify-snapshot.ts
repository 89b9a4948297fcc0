import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { VerityError } from '../errors.js';
import type { Verifier } from '../keys/signer.js';
import { verifyEnvelope, decodeBase64, parseEnvelope } from './dsse.js';
import { hashFile } from './hash-file.js';
import { IN_TOTO_PAYLOAD_TYPE, parseStatement } from './in-toto.js';
import { jsonDifferences, SNAPSHOT_PREDICATE_TYPE, snapshotId, snapshotParameters, type SnapshotManifest } from './snapshot-manifest.js';

/** How one data file compared. */
export interface SnapshotFileCheck {
  path: string;
  status: 'ok' | 'changed' | 'missing' | 'unexpected';
  expected?: string;
  actual?: string;
}

/** The result of {@link verifySnapshot}. */
export interface SnapshotVerification {
  valid: boolean;
  path: string;
  name?: string;
  version?: number;
  id?: string;
  signature: { valid: boolean; keyid?: string; reason?: string };
  files: SnapshotFileCheck[];
  /** Fields where `manifest.json` differs from the signed manifest. */
  manifest: Array<{ field: string; signed: unknown; actual: unknown }>;
  /** Every problem, one sentence each. */
  problems: string[];
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Verifies a snapshot directory: the DSSE signature over the in-toto statement, every data file's
 * SHA-256 against its subject digest (streamed), files that should not be there, the content id,
 * and `manifest.json` against the signed manifest, saying exactly what differs.
 * @example const v = await verifySnapshot('.verity/snapshots/leads/v1', verifier); if (!v.valid) console.log(v.problems);
 */
export async function verifySnapshot(path: string, verifier: Verifier | Verifier[]): Promise<SnapshotVerification> {
  const problems: string[] = [];
  const envFile = join(path, 'statement.dsse.json');
  if (!existsSync(envFile)) throw new VerityError('NOT_FOUND', `No signed statement at ${envFile}; is ${path} a snapshot directory?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(envFile, 'utf8'));
  } catch {
    return { valid: false, path, signature: { valid: false, reason: 'statement.dsse.json is not JSON' }, files: [], manifest: [], problems: ['statement.dsse.json is not valid JSON: the signed statement was damaged.'] };
  }
  const damaged = (reason: string): SnapshotVerification => ({ valid: false, path, signature: { valid: false, reason }, files: [], manifest: [], problems: [`statement.dsse.json is damaged: ${reason}.`] });
  let envelope;
  try {
    envelope = parseEnvelope(raw);
  } catch (error) {
    return damaged((error as Error).message);
  }
  if (readFileSync(envFile, 'utf8') !== JSON.stringify(raw, null, 2) + '\n') problems.push('statement.dsse.json bytes differ from how Verity wrote it (formatting was changed).');
  let sig;
  let statement;
  try {
    sig = verifyEnvelope(envelope, verifier);
    statement = parseStatement(decodeBase64(envelope.payload, 'payload'));
  } catch (error) {
    return damaged((error as Error).message);
  }
  const signature = sig.valid ? { valid: true, keyid: sig.keyids[0]! } : { valid: false, reason: sig.reason ?? 'signature does not verify' };
  // keyid is only a hint to DSSE and base64 has spare bits: check both so no byte of the file can change unnoticed.
  const keyids = (Array.isArray(verifier) ? verifier : [verifier]).map((v) => v.keyid);
  for (const s of envelope.signatures) if (s.keyid === undefined || !keyids.includes(s.keyid)) problems.push(`Signature keyid ${s.keyid ?? '(none)'} is not the verifying key ${keyids.join(', ')}.`);
  const extra = [
    ...Object.keys(envelope).filter((k) => !['payloadType', 'payload', 'signatures'].includes(k)),
    ...envelope.signatures.flatMap((s) => Object.keys(s).filter((k) => k !== 'keyid' && k !== 'sig')),
  ];
  if (extra.length) problems.push(`statement.dsse.json has unexpected fields: ${extra.join(', ')}.`);
  const canonical = (text: string) => Buffer.from(text, 'base64').toString('base64') === text;
  if (!canonical(envelope.payload) || envelope.signatures.some((s) => !canonical(s.sig))) problems.push('statement.dsse.json holds non-canonical base64 (it was edited).');
  if (!sig.valid) problems.push(`Bad signature: ${signature.reason}; the statement (statement.dsse.json) was altered or signed by another key.`);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) problems.push(`payloadType is ${envelope.payloadType}, expected ${IN_TOTO_PAYLOAD_TYPE}.`);
  if (statement.predicateType !== SNAPSHOT_PREDICATE_TYPE) problems.push(`predicateType is ${statement.predicateType}, expected ${SNAPSHOT_PREDICATE_TYPE}.`);
  const manifest = statement.predicate as SnapshotManifest;

  const files: SnapshotFileCheck[] = [];
  for (const subject of statement.subject) {
    const expected = subject.digest.sha256;
    const file = join(path, subject.name);
    if (subject.name.includes('..') || !existsSync(file)) {
      files.push({ path: subject.name, status: 'missing', ...(expected ? { expected } : {}) });
      problems.push(`${subject.name}: missing (expected sha256 ${expected}).`);
      continue;
    }
    const actual = (await hashFile(file)).sha256;
    if (actual === expected) files.push({ path: subject.name, status: 'ok', expected, actual });
    else {
      files.push({ path: subject.name, status: 'changed', ...(expected ? { expected } : {}), actual });
      problems.push(`${subject.name}: sha256 is ${actual}, expected ${expected}: the data file was changed.`);
    }
  }
  const known = new Set(statement.subject.map((s) => s.name));
  for (const f of listFiles(join(path, 'data')).map((f) => relative(path, f))) {
    if (!known.has(f)) {
      files.push({ path: f, status: 'unexpected' });
      problems.push(`${f}: not part of the signed snapshot (a file was added).`);
    }
  }

  let manifestDiffs: SnapshotVerification['manifest'] = [];
  const plain = join(path, 'manifest.json');
  if (!existsSync(plain)) problems.push('manifest.json is missing (the signed manifest in statement.dsse.json is intact).');
  else {
    try {
      const text = readFileSync(plain, 'utf8');
      manifestDiffs = jsonDifferences(manifest, JSON.parse(text));
      for (const d of manifestDiffs) problems.push(`manifest.json field ${d.field} was tampered: signed ${JSON.stringify(d.signed)}, found ${JSON.stringify(d.actual)}.`);
      // Same content but other bytes (whitespace, key order): still a change to an immutable file.
      if (manifestDiffs.length === 0 && text !== JSON.stringify(manifest, null, 2) + '\n') problems.push('manifest.json bytes differ from the signed manifest (formatting was changed; the content is the same).');
    } catch {
      problems.push('manifest.json is not valid JSON (the signed manifest in statement.dsse.json is intact).');
    }
  }
  try {
    const listed = manifest.data.files.map((f) => `${f.path}:${f.sha256}`).sort();
    const subjects = statement.subject.map((s) => `${s.name}:${s.digest.sha256}`).sort();
    if (listed.join() !== subjects.join()) problems.push('The manifest lists different data files than the statement subjects.');
    const id = snapshotId(statement.subject.map((s) => ({ path: s.name, sha256: s.digest.sha256 ?? '' })), snapshotParameters(manifest));
    if (id !== manifest.snapshot.id) problems.push(`The content id ${manifest.snapshot.id} does not match the recomputed ${id}.`);
  } catch {
    problems.push('The signed manifest is incomplete (missing snapshot, data or lake fields).');
  }
  return {
    valid: problems.length === 0,
    path,
    ...(manifest?.snapshot ? { name: manifest.snapshot.name, version: manifest.snapshot.version, id: manifest.snapshot.id } : {}),
    signature,
    files,
    manifest: manifestDiffs,
    problems,
  };
}
