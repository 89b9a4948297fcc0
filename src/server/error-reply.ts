import { VerityError, isVerityError, type ErrorCode } from '../errors.js';

/** The JSON error body every endpoint returns: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An HTTP status with its error body. */
export interface ErrorReply {
  status: number;
  body: ErrorBody;
  /** True when the error is a server fault (5xx) worth logging with its stack. */
  isServerFault: boolean;
}

// Fastify's own errors (body parsing, limits) carry FST_* codes; each maps to one stable code.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_INPUT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_INPUT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_INPUT',
  FST_ERR_BAD_URL: 'MALFORMED_INPUT',
  FST_ERR_ASYNC_CONSTRAINT: 'MALFORMED_INPUT',
};

const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  PAYLOAD_TOO_LARGE: 'The request body is larger than the server limit (server.bodyLimitBytes). Send smaller batches.',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported Content-Type. Send application/json (or application/x-ndjson to /v1/events).',
};

/**
 * Maps any error to an HTTP status and JSON body. This is the ONE place the server maps errors:
 * `VerityError` codes use the status of `ERROR_CODES`; Fastify's parsing and limit errors map to
 * the matching stable code; anything else is an `INTERNAL` 500 whose message does not leak details.
 */
export function toErrorReply(error: unknown, requestId?: string): ErrorReply {
  let err: VerityError;
  if (isVerityError(error)) err = error;
  else {
    const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
    const mapped = typeof e?.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
    const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
    if (mapped) err = new VerityError(mapped, FASTIFY_MESSAGES[mapped] ?? `The request could not be read: ${String(e.message)}`, { cause: error });
    else if (status === 404) err = new VerityError('NOT_FOUND', String(e.message ?? 'Not found'), { cause: error });
    else if (status === 503) err = new VerityError('UNAVAILABLE', 'The server is shutting down; retry on another instance or later.', { cause: error });
    else if (status >= 400 && status < 500) err = new VerityError('MALFORMED_INPUT', `The request could not be read: ${String(e.message)}`, { cause: error });
    else
      err = new VerityError('INTERNAL', `Internal error${requestId ? ` (request ${requestId})` : ''}; see the server log.`, { cause: error });
  }
  const status = err.httpStatus;
  return { status, body: err.toJSON(), isServerFault: status >= 500 };
}
