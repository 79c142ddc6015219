import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FootnoteError } from '../errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * The one place that turns errors into HTTP responses. User errors keep their message; anything
 * else becomes a generic 500 (the stack goes to the server log, never to the client).
 */
export function errorResponse(c: Context, error: unknown, log: (line: string) => void): Response {
  if (error instanceof FootnoteError) {
    if (error.status >= 500 && !error.isUserError) log(`error: ${error.stack ?? error.message}`);
    return c.json<ErrorBody>(
      { error: { code: error.code, message: publicMessage(error) } },
      error.status as ContentfulStatusCode,
    );
  }
  if (error instanceof HTTPException) {
    const code =
      error.status === 413
        ? 'payload_too_large'
        : error.status === 401
          ? 'unauthorized'
          : error.status === 408
            ? 'request_timeout'
            : 'invalid_request';
    return c.json<ErrorBody>({ error: { code, message: error.message || 'invalid request' } }, error.status);
  }
  if (clientWentAway(c, error)) {
    // The client's doing (it dropped the connection mid-upload), not a fault: one plain line.
    log(`request aborted by the client: ${c.req.method} ${c.req.path}`);
    return c.json<ErrorBody>(
      {
        error: {
          code: 'invalid_request',
          message: 'the client closed the connection before sending the whole request',
        },
      },
      400,
    );
  }
  log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return c.json<ErrorBody>(
    { error: { code: 'internal', message: 'internal error; the server log has the details' } },
    500,
  );
}

/** True when the error comes from the client dropping the connection (Node's `aborted`, ECONNRESET). */
export function clientWentAway(c: Context, error: unknown): boolean {
  if (c.req.raw.signal?.aborted) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'aborted';
}

/** Messages of errors about the index name the server's own folders; clients get them without paths. */
export function publicMessage(error: FootnoteError): string {
  return error.message.replace(/(?<![\w.~-])(?:\/[\w.@+-]+)+\/?/g, (match) =>
    match.startsWith('/api/') || match.startsWith('/v1/') ? match : '<path>',
  );
}
