/**
 * Parses ODCS YAML (or JSON) text while keeping source positions, so every finding can name the
 * file, line and column it concerns (via the `yaml` package's `LineCounter`).
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { VerityError } from '../errors.js';

/** Contracts larger than this are refused before parsing (a contract is a few KiB). */
export const MAX_CONTRACT_BYTES = 1024 * 1024;

/** A position in a source file, 1-based. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A parsed contract document with what is needed to map JSON pointers back to positions. */
export interface ParsedDocument {
  file: string;
  text: string;
  /** The document as plain JSON values. */
  data: unknown;
  /** Maps a path (property names and array indexes) to the nearest existing node's position. */
  positionOf(path: readonly (string | number)[]): SourcePosition;
}

/**
 * Parses `text` as YAML (JSON is YAML) and keeps positions.
 *
 * @throws VerityError `PAYLOAD_TOO_LARGE` past {@link MAX_CONTRACT_BYTES}; `MALFORMED_INPUT` with
 *   `file:line:column` for a syntax error.
 */
export function parseContractDocument(text: string, file: string, maxBytes = MAX_CONTRACT_BYTES): ParsedDocument {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes)
    throw new VerityError('PAYLOAD_TOO_LARGE', `${file}: contract is ${size} bytes, over the ${maxBytes}-byte limit. Split it or check that the right file was given.`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new VerityError(
      'MALFORMED_INPUT',
      `${file}:${pos.line}:${pos.col}: malformed YAML: ${first.message.split('\n')[0]}. Fix the syntax at that place (indentation, quotes, a missing colon).`,
      { details: { file, line: pos.line, column: pos.col } },
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', `${file}: cannot read the YAML document: ${(error as Error).message}`, { cause: error });
  }
  return { file, text, data, positionOf: (path) => locate(doc, lineCounter, path) };
}

function locate(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): SourcePosition {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      // Point at the key: the value (if scalar) is on the same line, and a missing child is reported at its parent key.
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else break;
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Splits a JSON pointer (`/schema/0/properties/2`) into its segments. */
export function pointerToPath(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
