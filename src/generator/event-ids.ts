import * as crypto from 'node:crypto';
import { deriveEventId } from '../ingest/event-id.js';
import { jsonText } from './json-text.js';

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/**
 * The same id as {@link deriveEventId} (`<system>-` + 32 hex of SHA-256 over system, NUL and the
 * JSON of the parts), computed with Node's one-shot `crypto.hash` when it exists (about three
 * times faster than a `createHash` object per event) and the parts' JSON built by
 * {@link jsonText} rather than `JSON.stringify` (same text). A test checks equality with
 * `deriveEventId` on every envelope of a generated data set.
 */
export function fastEventId(system: string, parts: ReadonlyArray<string | number | null | undefined>): string {
  if (!oneShot) return deriveEventId(system, parts);
  return `${system}-${oneShot('sha256', `${system}\u0000${jsonText(parts) as string}`, 'hex').slice(0, 32)}`;
}
