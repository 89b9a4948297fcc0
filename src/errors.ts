/**
 * Verity's error types and their stable codes.
 *
 * Every error Verity raises on purpose is a {@link VerityError} with a SCREAMING_SNAKE `code`
 * from {@link ERROR_CODES}. The table also says how each code maps to an HTTP status and a CLI exit
 * code, so the server and the CLI map errors in one place (this one).
 */

/** Every stable error code, with its HTTP status and CLI exit code. */
export const ERROR_CODES = {
  /** Bad command-line usage: unknown command or option, bad argument. */
  USAGE: { http: 400, exit: 2 },
  /** An argument or option value is out of range or malformed. */
  INVALID_ARGUMENT: { http: 400, exit: 2 },
  /** The project configuration file is missing, unreadable or invalid. */
  CONFIG_INVALID: { http: 500, exit: 78 },
  /** A file or directory could not be read or written. */
  IO_ERROR: { http: 500, exit: 74 },
  /** Something named does not exist (file, contract, snapshot, entity…). */
  NOT_FOUND: { http: 404, exit: 66 },
  /** An input body or file could not be parsed (malformed JSON, CSV, YAML…). */
  MALFORMED_INPUT: { http: 400, exit: 65 },
  /** Input is well-formed but semantically unacceptable (unknown entity, wrong shape). */
  UNPROCESSABLE: { http: 422, exit: 65 },
  /** A request body is larger than the configured limit. */
  PAYLOAD_TOO_LARGE: { http: 413, exit: 65 },
  /** A request's content type is not accepted by the endpoint. */
  UNSUPPORTED_MEDIA_TYPE: { http: 415, exit: 65 },
  /** A signature is missing, stale or does not verify. */
  SIGNATURE_INVALID: { http: 401, exit: 77 },
  /** A contract document is not valid ODCS or breaks Verity's rules. */
  CONTRACT_INVALID: { http: 422, exit: 1 },
  /** Records failed validation against a contract. */
  VALIDATION_FAILED: { http: 422, exit: 1 },
  /** A change is incompatible under the requested compatibility mode. */
  INCOMPATIBLE_CHANGE: { http: 409, exit: 1 },
  /** A write conflicts with existing immutable state. */
  CONFLICT: { http: 409, exit: 1 },
  /** A stored artefact does not match its recorded digest or signature. */
  INTEGRITY_FAILED: { http: 500, exit: 1 },
  /** A backend (PostgreSQL, Redis, NATS, DuckDB) could not be reached or failed. */
  BACKEND_UNAVAILABLE: { http: 503, exit: 69 },
  /** The server is shutting down or not ready. */
  UNAVAILABLE: { http: 503, exit: 69 },
  /** A bug: something that should not happen did. */
  INTERNAL: { http: 500, exit: 70 },
} as const satisfies Record<string, { http: number; exit: number }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link VerityError}. */
export interface VerityErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Structured details (e.g. a list of violations), rendered by `--json` and HTTP error bodies. */
  details?: unknown;
}

/**
 * The base of every error Verity raises on purpose.
 *
 * Messages say what went wrong, where, and how to fix it.
 * @example
 * throw new VerityError('NOT_FOUND', 'Contract "contact" not found in contracts/. Run `verity init` first.');
 */
export class VerityError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: VerityErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerityError';
    this.code = code;
    this.details = options.details;
  }

  /** The HTTP status this error maps to. */
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** The CLI exit code this error maps to. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  /** A JSON-safe body: `{ error: { code, message, details? } }`. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) },
    };
  }
}

/** True when `value` is a {@link VerityError} (also across module copies). */
export function isVerityError(value: unknown): value is VerityError {
  return (
    value instanceof VerityError ||
    (value instanceof Error && typeof (value as { code?: unknown }).code === 'string' && (value as unknown as { code: string }).code in ERROR_CODES && value.name === 'VerityError')
  );
}

/** Wraps any thrown value as a {@link VerityError}; Node's file-system errors become `IO_ERROR`/`NOT_FOUND`. */
export function toVerityError(error: unknown): VerityError {
  if (isVerityError(error)) return error;
  if (error instanceof Error) {
    const sys = error as NodeJS.ErrnoException;
    if (sys.code === 'ENOENT') return new VerityError('NOT_FOUND', `Not found: ${sys.path ?? error.message}`, { cause: error });
    if (sys.code === 'EACCES' || sys.code === 'EPERM' || sys.code === 'EROFS' || sys.code === 'ENOSPC' || sys.code === 'EISDIR' || sys.code === 'ENOTDIR')
      return new VerityError('IO_ERROR', `Cannot access ${sys.path ?? 'a file'} (${sys.code}): ${error.message}`, { cause: error });
    return new VerityError('INTERNAL', error.message, { cause: error });
  }
  return new VerityError('INTERNAL', String(error));
}
