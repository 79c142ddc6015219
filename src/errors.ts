/**
 * Footnote's error classes. Every error a user can cause or fix carries a stable `code` and a
 * message that says what was expected, what was found and how to fix it.
 */

export type ErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'rate_limited'
  | 'request_timeout'
  | 'index_missing'
  | 'index_corrupt'
  | 'index_locked'
  | 'store_unavailable'
  | 'embedder_mismatch'
  | 'model_files_missing'
  | 'corpus_missing'
  | 'corpus_mismatch'
  | 'llm_unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  rate_limited: 429,
  request_timeout: 408,
  index_missing: 503,
  index_corrupt: 503,
  index_locked: 409,
  store_unavailable: 503,
  embedder_mismatch: 409,
  model_files_missing: 500,
  corpus_missing: 400,
  corpus_mismatch: 409,
  llm_unavailable: 502,
  internal: 500,
};

/** An error with a stable code, safe to show to a user. */
export class FootnoteError extends Error {
  readonly code: ErrorCode;
  /** HTTP status the server answers with. */
  readonly status: number;
  /** Extra fields for a client (e.g. `param` for the OpenAI-compatible API). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FootnoteError';
    this.code = code;
    this.status = STATUS[code];
    this.details = options.details;
  }

  /** True for problems the user can fix (bad input, missing index); false for our own bugs. */
  get isUserError(): boolean {
    return (
      this.status < 500 ||
      this.code === 'index_missing' ||
      this.code === 'index_corrupt' ||
      this.code === 'model_files_missing'
    );
  }
}

/** Shorthand for the most common user error. */
export function invalidRequest(message: string, details?: Record<string, unknown>): FootnoteError {
  return new FootnoteError('invalid_request', message, details ? { details } : {});
}
