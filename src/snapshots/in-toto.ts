import { VerityError } from '../errors.js';
import { canonicalJson } from '../util/canonical-json.js';

/** The in-toto Statement v1 type URI. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** An in-toto ResourceDescriptor as used for subjects: a name and a digest set. */
export interface InTotoSubject {
  name: string;
  digest: Record<string, string>;
}

/** An in-toto Statement v1. */
export interface InTotoStatement<P = unknown> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: InTotoSubject[];
  predicateType: string;
  predicate: P;
}

/** Builds a statement; subjects keep the given order. */
export function createStatement<P>(subject: InTotoSubject[], predicateType: string, predicate: P): InTotoStatement<P> {
  if (subject.length === 0) throw new VerityError('INVALID_ARGUMENT', 'An in-toto statement needs at least one subject.');
  return { _type: IN_TOTO_STATEMENT_TYPE, subject, predicateType, predicate };
}

/** Serialises a statement to the bytes that are signed (canonical JSON). */
export function serializeStatement(statement: InTotoStatement): Buffer {
  return Buffer.from(canonicalJson(statement), 'utf8');
}

/** Parses and checks a statement from payload bytes. */
export function parseStatement(bytes: Uint8Array): InTotoStatement {
  let value: any;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', 'The DSSE payload is not JSON; expected an in-toto Statement.', { cause: error });
  }
  if (!value || value._type !== IN_TOTO_STATEMENT_TYPE) throw new VerityError('MALFORMED_INPUT', `The payload is not an in-toto Statement v1 (_type ${JSON.stringify(value?._type)}).`);
  if (!Array.isArray(value.subject) || value.subject.some((s: any) => typeof s?.name !== 'string' || typeof s?.digest !== 'object' || s.digest === null))
    throw new VerityError('MALFORMED_INPUT', 'The in-toto statement has a malformed "subject" list.');
  if (typeof value.predicateType !== 'string') throw new VerityError('MALFORMED_INPUT', 'The in-toto statement has no "predicateType".');
  return value as InTotoStatement;
}
