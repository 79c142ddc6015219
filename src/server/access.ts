import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { rateLimiter, type Store } from 'hono-rate-limiter';
import { FootnoteError } from '../errors.js';
import type { ErrorBody } from './http-errors.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Aborted when the client goes away or the request runs out of time. */
    requestSignal: AbortSignal;
    /** Set by hono-rate-limiter for the current client. */
    rateLimit: { limit: number; used: number; remaining: number; resetTime: Date | undefined };
  }
}

/** Who may call the API, how often, from which pages, and for how long. */
export interface AccessOptions {
  /**
   * When set, every `/api/*` and `/v1/*` route except `/api/health` needs
   * `Authorization: Bearer <apiKey>`.
   * @default undefined (open)
   */
  apiKey: string | undefined;
  /**
   * Requests one client (IP address) may make per `rateLimitWindowMs` on `/api/*` and `/v1/*`;
   * `0` turns rate limiting off. Requests with no network peer (in-process `app.request`) are not
   * counted.
   * @default 120
   */
  rateLimit: number;
  /** @default 60000 */
  rateLimitWindowMs: number;
  /**
   * Where the per-client counters live. Workers of one `footnote serve --workers N` share the
   * primary's (`ClusterRateLimitStore`), so a client gets the limit once, not once per worker.
   * @default undefined (hono-rate-limiter's in-process memory store)
   */
  rateLimitStore?: Store;
  /**
   * Origins of web pages allowed to call the API from a browser (CORS); empty = same origin only.
   * @default []
   */
  corsOrigins: string[];
  /**
   * Time a request may take until its response starts; then it is answered 408 and its work is
   * aborted. A stream that has started is bounded by the client (it stops when the client leaves).
   * @default 30000
   */
  requestTimeoutMs: number;
  /**
   * Answers (`POST /api/ask`, `/api/chat`, `/v1/chat/completions`) that may run at once; more
   * wait in a first-come, first-served queue (bounded in time by `requestTimeoutMs`).
   * @default 16
   */
  maxConcurrentAnswers: number;
  /** Identifies the client for rate limiting. @default the TCP peer address, undefined in-process */
  clientAddress: (c: Context) => string | undefined;
}

/** The defaults of `AccessOptions`: open, 120 requests a minute, same origin, 30 s. */
export const defaultAccessOptions: AccessOptions = {
  apiKey: undefined,
  rateLimit: 120,
  rateLimitWindowMs: 60_000,
  corsOrigins: [],
  requestTimeoutMs: 30_000,
  maxConcurrentAnswers: 16,
  clientAddress: peerAddress,
};

const API_PATHS = ['/api/*', '/v1/*'];
const ANSWER_PATHS = ['/api/ask', '/api/chat', '/v1/chat/completions'];
const HEALTH_PATH = '/api/health';
/**
 * Routes the request timeout does not stop: re-ingesting a large corpus takes minutes by nature,
 * and stopping the wait would tell the page it failed while the ingest goes on.
 */
const UNTIMED_PATHS = new Set(['/api/ingest']);

/**
 * Installs the access middlewares on an app, before its routes: security headers on every
 * response, then for the API CORS (when origins are configured), rate limiting, the API key and
 * the request timeout (not for re-ingest); the answering routes then wait their turn in one queue.
 */
export function applyAccess(app: Hono, options: Partial<AccessOptions> = {}): void {
  const settings: AccessOptions = { ...defaultAccessOptions, ...options };
  app.use('*', closeAfterUnreadBody());
  app.use('*', securityHeaders());
  const timeout = requestTimeout(settings.requestTimeoutMs);
  // One limiter (one counter per client) for /api and /v1 alike: a client gets the limit once.
  const limiter = settings.rateLimit > 0 ? rateLimit(settings) : undefined;
  for (const path of API_PATHS) {
    if (settings.corsOrigins.length > 0) app.use(path, corsFor(settings.corsOrigins));
    if (limiter) app.use(path, limiter);
    if (settings.apiKey !== undefined) app.use(path, requireApiKey(settings.apiKey));
    app.use(path, (c, next) => (UNTIMED_PATHS.has(c.req.path) ? next() : timeout(c, next)));
  }
  const queue = answerQueue(settings.maxConcurrentAnswers);
  for (const path of ANSWER_PATHS) app.use(path, queue);
}

/** Rejections answered before the request body is read (size, type, key, rate, time). */
const EARLY_REJECTIONS = new Set([401, 408, 413, 415, 429]);

/**
 * Answers `Connection: close` when a request's body was left unread (an early rejection: 413,
 * 415, 401, 429, 408, or any error before the body was used). Otherwise the unread rest of the
 * body sits on the connection: the server gives up draining it and drops the socket, and the
 * client's next request on that keep-alive connection fails. With `close` the client opens a new one.
 */
export function closeAfterUnreadBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const hasBody =
      c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > 0;
    if (!hasBody || c.res.status < 400) return;
    if (EARLY_REJECTIONS.has(c.res.status) || !c.req.raw.bodyUsed) c.res.headers.set('Connection', 'close');
  };
}

/**
 * The signal a handler passes to the engine: aborted when the client disconnects or the request
 * times out.
 */
export function requestSignal(c: Context): AbortSignal {
  return c.get('requestSignal') ?? c.req.raw.signal;
}

/**
 * Security headers on every response, with a content security policy that allows scripts and
 * styles only from this server (no inline script, no `eval`), and no framing by other sites. A
 * header a route sets itself (the chat page sends its own, stricter policy) is kept.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    overwrite: false,
    // Plain HTTP on a LAN or loopback is the normal deployment; HSTS would only matter behind TLS.
    strictTransportSecurity: false,
  });
}

function corsFor(origins: string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : origins,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600,
  });
}

/** Per-client fixed-window rate limit; over it, 429 with `Retry-After` (seconds). */
export function rateLimit(
  options: Pick<AccessOptions, 'rateLimit' | 'rateLimitWindowMs' | 'clientAddress' | 'rateLimitStore'>,
): MiddlewareHandler {
  return rateLimiter({
    windowMs: options.rateLimitWindowMs,
    limit: options.rateLimit,
    ...(options.rateLimitStore ? { store: options.rateLimitStore } : {}),
    standardHeaders: 'draft-6',
    skip: (c) => c.req.path === HEALTH_PATH || options.clientAddress(c) === undefined,
    keyGenerator: (c) => options.clientAddress(c) ?? '',
    handler: (c) => {
      const resetTime = c.get('rateLimit')?.resetTime;
      const retryAfter = Math.max(
        1,
        Math.ceil(((resetTime?.getTime() ?? Date.now() + options.rateLimitWindowMs) - Date.now()) / 1000),
      );
      c.header('Retry-After', String(retryAfter));
      return accessError(
        c,
        429,
        'rate_limited',
        `too many requests: at most ${options.rateLimit} per ${Math.round(options.rateLimitWindowMs / 1000)} s per client; retry in ${retryAfter} s`,
      );
    },
  });
}

/**
 * Requires `Authorization: Bearer <key>` (401 otherwise), except on `/api/health`, which then
 * tells anonymous callers only whether the server is up.
 */
export function requireApiKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    const header = c.req.header('authorization');
    const given = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] : undefined;
    const valid = given !== undefined && timingSafeEqual(digest(given), expected);
    if (c.req.path === HEALTH_PATH) {
      await next();
      if (!valid && c.res.headers.get('content-type')?.startsWith('application/json')) {
        const { status } = (await c.res.clone().json()) as { status?: unknown };
        c.res = c.json(
          { status: typeof status === 'string' ? status : 'unknown' },
          c.res.status as 200 | 503,
        );
      }
      return;
    }
    if (!valid) {
      c.header('WWW-Authenticate', 'Bearer realm="footnote"');
      const message = header
        ? 'the API key is not valid'
        : 'this server needs an API key: send `Authorization: Bearer <key>` (the key is FOOTNOTE_API_KEY on the server)';
      return accessError(c, 401, 'unauthorized', message);
    }
    await next();
  };
}

/**
 * Answers 408 when the response has not started after `milliseconds`, and aborts the request's
 * signal so the engine stops working on it.
 */
export function requestTimeout(milliseconds: number): MiddlewareHandler {
  return async (c, next) => {
    const timer = new AbortController();
    c.set('requestSignal', AbortSignal.any([c.req.raw.signal, timer.signal]));
    let handle: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      handle = setTimeout(() => {
        const error = new FootnoteError(
          'request_timeout',
          `the request took longer than ${Math.round(milliseconds / 100) / 10} s and was stopped; try again or ask a narrower question`,
        );
        timer.abort(error);
        reject(error);
      }, milliseconds);
    });
    try {
      await Promise.race([next(), timedOut]);
    } finally {
      clearTimeout(handle);
    }
  };
}

/** `{ error: { code, message } }`; under `/v1` with OpenAI's `type` and `param` too, as its clients expect. */
function accessError(
  c: Context,
  status: 401 | 429,
  code: 'unauthorized' | 'rate_limited',
  message: string,
): Response {
  if (c.req.path.startsWith('/v1/')) {
    const type = status === 401 ? 'invalid_request_error' : 'rate_limit_exceeded';
    return c.json(
      { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : code } },
      status,
    );
  }
  return c.json<ErrorBody>({ error: { code, message } }, status);
}

/**
 * Starts answers in arrival order, at most `maxConcurrent` at a time and at most one per turn of
 * the event loop. Without it a busy server answers the connections it already has round after
 * round, while Node accepts only one new connection per turn of the loop, so a new client can
 * wait many seconds; with it every turn is short and the order is first come, first served.
 */
export function answerQueue(maxConcurrent: number): MiddlewareHandler {
  const waiting: Array<() => void> = [];
  let active = 0;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    if (active >= maxConcurrent) return;
    const start = waiting.shift();
    if (!start) return;
    active += 1;
    start();
    if (waiting.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  };
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const signal = requestSignal(c);
    await new Promise<void>((resolve, reject) => {
      const start = () => {
        signal.removeEventListener('abort', cancel);
        resolve();
      };
      const cancel = () => {
        const position = waiting.indexOf(start);
        if (position >= 0) waiting.splice(position, 1);
        reject(
          signal.reason instanceof FootnoteError
            ? signal.reason
            : new FootnoteError('invalid_request', 'the client closed the request before it was answered'),
        );
      };
      if (signal.aborted) return cancel();
      signal.addEventListener('abort', cancel, { once: true });
      waiting.push(start);
      schedule();
    });
    try {
      await next();
    } finally {
      active -= 1;
      schedule();
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
