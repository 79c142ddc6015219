import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { z } from 'zod';
import type { Engine } from '../engine.js';
import { FootnoteError, invalidRequest } from '../errors.js';
import { type IngestReport, readCorpusFile } from '../ingest/index.js';
import { locate } from '../text/index.js';
import type { ChatTurn } from '../types.js';
import { type AccessOptions, applyAccess, requestSignal } from './access.js';
import { toSseFrame } from './chat-events.js';
import { errorResponse, publicMessage } from './http-errors.js';
import {
  bodySizeLimit,
  defaultRequestLimits,
  describeZodError,
  MAX_SOURCE_WINDOW_CHARS,
  type RequestLimits,
  requestSchemas,
  SOURCE_CONTEXT_CHARS,
  WHOLE_SOURCE_CHARS,
} from './schemas.js';

/** The engine currently served, or why there is none (no index yet, a damaged index…). */
export interface EngineHolder {
  engine?: Engine;
  error?: FootnoteError;
}

/** What `createApp` serves and how. */
export interface AppOptions {
  holder: EngineHolder;
  /** @default defaultRequestLimits */
  limits: RequestLimits;
  /** Re-ingests the corpus (POST /api/ingest); absent = the route answers 404. @default none */
  reingest?: () => Promise<IngestReport>;
  /** Extra routes mounted by the composition root (chat page, OpenAI-compatible API…). @default none */
  extend?: (app: Hono) => void;
  /** Where server-side errors are written. @default console.error */
  log: (line: string) => void;
  /** API key, rate limit, CORS, request timeout (security headers are always on). @default defaultAccessOptions */
  access?: Partial<AccessOptions>;
  /** Headers set on every response (a cluster worker names itself in `X-Footnote-Worker`). @default {} */
  headers?: Record<string, string>;
}

/**
 * The HTTP API on Hono. Everything is JSON in and out except `/api/chat`, which streams
 * Server-Sent Events. Errors are always `{ "error": { "code", "message" } }`.
 */
export function createApp(options: Partial<AppOptions> & Pick<AppOptions, 'holder'>): Hono {
  const settings: AppOptions = {
    limits: defaultRequestLimits,
    log: (line) => console.error(line),
    ...options,
  };
  const schemas = requestSchemas(settings.limits);
  const app = new Hono();

  app.onError((error, c) => errorResponse(c, error, settings.log));
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` } },
      404,
    ),
  );
  const headers = Object.entries(settings.headers ?? {});
  if (headers.length > 0)
    app.use('*', async (c, next) => {
      await next();
      for (const [name, value] of headers) c.res.headers.set(name, value);
    });
  applyAccess(app, settings.access);

  const limit = bodySizeLimit(settings.limits);

  const engine = (): Engine => {
    const { engine: current, error } = settings.holder;
    if (current) return current;
    throw error ?? new FootnoteError('index_missing', 'no index yet; run `footnote ingest` and try again');
  };

  app.post('/api/ask', limit, async (c) => {
    const body = await readJson(c, schemas.ask);
    const answer = await engine().ask({
      question: body.question,
      history: body.history ?? [],
      ...(body.k ? { k: body.k } : {}),
      ...(body.mode ? { mode: body.mode } : {}),
      signal: requestSignal(c),
    });
    return c.json(answer);
  });

  app.post('/api/chat', limit, async (c) => {
    const body = await readJson(c, schemas.chat);
    const current = engine();
    const messages = body.messages as ChatTurn[];
    const question = messages[messages.length - 1]!.content;
    const controller = new AbortController();
    requestSignal(c).addEventListener('abort', () => controller.abort());
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      try {
        for await (const part of current.askStream({
          question,
          history: messages.slice(0, -1),
          ...(body.k ? { k: body.k } : {}),
          ...(body.mode ? { mode: body.mode } : {}),
          signal: controller.signal,
        })) {
          if (controller.signal.aborted) return;
          await stream.writeSSE(toSseFrame(part));
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        const response = errorResponse(c, error, settings.log);
        await stream.writeSSE({ event: 'error', data: await response.text() });
      }
    });
  });

  app.get('/api/sources', async (c) => {
    const current = engine();
    const { files } = current.store.manifest;
    const sources = await current.store.listSources();
    return c.json({
      sources: sources.map((source) => ({
        id: source.id,
        source: source.source,
        title: source.title,
        chunks: source.chunks,
        characters: source.characters,
        encoding: files[source.source]?.encoding ?? 'utf-8',
        format: source.format,
        ...(source.pages === undefined ? {} : { pages: source.pages }),
      })),
    });
  });

  app.get('/api/sources/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new FootnoteError(
        'not_found',
        'no source with that id; ids come from citations or GET /api/sources',
      );
    const source = await engine().source(id);
    if (!source)
      throw new FootnoteError(
        'not_found',
        'no source with that id; ids come from citations or GET /api/sources',
      );
    const parsed = schemas.span.safeParse(c.req.query());
    if (!parsed.success) throw invalidRequest(describeZodError(parsed.error));
    const { start, end, offset, limit } = parsed.data;
    const length = source.text.length;
    let span: ({ start: number; end: number; text: string } & ReturnType<typeof locate>) | undefined;
    let window: { start: number; end: number };
    if (start !== undefined || end !== undefined) {
      if (start === undefined || end === undefined)
        throw invalidRequest('give both start and end, or neither');
      if (offset !== undefined || limit !== undefined)
        throw invalidRequest('give a span (start and end) or a page (offset and limit), not both');
      if (end < start || end > length)
        throw invalidRequest(`span must satisfy 0 <= start <= end <= ${length}`);
      if (end - start > MAX_SOURCE_WINDOW_CHARS)
        throw invalidRequest(
          `a span may be at most ${MAX_SOURCE_WINDOW_CHARS} characters; page through longer text with offset and limit`,
        );
      span = { start, end, text: source.text.slice(start, end), ...locate(source, start) };
      window =
        length <= WHOLE_SOURCE_CHARS
          ? { start: 0, end: length }
          : {
              start: Math.max(0, start - SOURCE_CONTEXT_CHARS),
              end: Math.min(length, end + SOURCE_CONTEXT_CHARS),
            };
    } else {
      const from = offset ?? 0;
      if (from > length) throw invalidRequest(`offset must be at most ${length}, the length of the source`);
      window = { start: from, end: Math.min(length, from + (limit ?? MAX_SOURCE_WINDOW_CHARS)) };
    }
    return c.json({
      id: source.id,
      source: source.source,
      title: source.title,
      format: source.format,
      encoding: source.encoding,
      // Only the window is sent: a whole 20 MB source for each of 60 clients took 3.5 GB of memory.
      text: source.text.slice(window.start, window.end),
      window,
      length,
      ...(window.end < length ? { next: window.end } : {}),
      ...(source.pages ? { pages: source.pages } : {}),
      ...(source.sections ? { sections: source.sections } : {}),
      ...(span ? { span } : {}),
    });
  });

  app.get('/api/sources/:id/file', async (c) => {
    const id = c.req.param('id');
    const current = engine();
    const source = /^[0-9a-f]{16}$/.test(id) ? await current.source(id) : undefined;
    if (!source)
      throw new FootnoteError(
        'not_found',
        'no source with that id; ids come from citations or GET /api/sources',
      );
    // Only a file the index holds, read the one safe way, and only while it is the file indexed.
    const { corpusRoot } = current.store.manifest;
    let root: string;
    try {
      root = await realpath(corpusRoot);
    } catch {
      throw new FootnoteError('not_found', 'the corpus folder is gone; run `footnote ingest` again');
    }
    const read = await readCorpusFile(root, path.join(root, ...source.source.split('/')));
    const hash = read.ok ? createHash('sha256').update(read.bytes).digest('hex') : undefined;
    if (!read.ok || hash !== source.hash)
      throw new FootnoteError(
        'not_found',
        `${source.source} has changed or gone since it was indexed; run \`footnote ingest\` to open it again`,
      );
    const isPdf = source.format === 'pdf';
    return new Response(new Uint8Array(read.bytes), {
      headers: {
        'Content-Type': ORIGINAL_CONTENT_TYPES[source.format] ?? 'application/octet-stream',
        'Content-Length': String(read.bytes.length),
        // Never rendered as a page of this origin: PDFs are read by pdf.js, the rest downloaded.
        'Content-Disposition': `${isPdf ? 'inline' : 'attachment'}; filename="${encodeURIComponent(path.basename(source.source))}"`,
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
        ETag: `"${source.hash.slice(0, 32)}"`,
      },
    });
  });

  app.get('/api/health', (c) => {
    const { engine: current, error } = settings.holder;
    if (!current)
      return c.json({ status: 'no_index', message: error ? publicMessage(error) : 'no index yet' }, 503);
    const { manifest } = current.store;
    const failure = current.reloadFailure;
    return c.json({
      // Degraded: a newer generation was refused (damaged…) and the previous one is still served.
      status: failure ? 'degraded' : 'ok',
      ...(failure
        ? {
            reason: {
              code: failure.error.code,
              message: publicMessage(failure.error),
              since: failure.at.toISOString(),
            },
          }
        : {}),
      corpus: { sources: manifest.counts.sources, chunks: manifest.counts.chunks },
      index: {
        createdAt: manifest.createdAt,
        formatVersion: manifest.formatVersion,
        loadedAt: current.loadedAt.toISOString(),
        chunking: manifest.chunking,
      },
      embedder: current.embedderId,
      generator: current.generatorId,
      store: { id: current.store.storeId, generation: current.store.generation },
    });
  });

  if (settings.reingest) {
    const reingest = settings.reingest;
    let running: Promise<IngestReport> | undefined;
    app.post('/api/ingest', async (c) => {
      running ??= reingest().finally(() => {
        running = undefined;
      });
      const report = await running;
      return c.json({
        added: report.added,
        changed: report.changed,
        removed: report.removed,
        unchanged: report.unchanged.length,
        warnings: report.warnings,
        skipped: report.skipped,
        sources: report.sources,
        chunks: report.chunks,
        durationMs: Math.round(report.durationMs),
      });
    });
  }

  settings.extend?.(app);

  // Known paths with the wrong method get 405, not 404.
  for (const path of ['/api/ask', '/api/chat', ...(settings.reingest ? ['/api/ingest'] : [])])
    app.all(path, (c) => methodNotAllowed(c, 'POST'));
  for (const path of ['/api/sources', '/api/sources/:id', '/api/sources/:id/file', '/api/health'])
    app.all(path, (c) => methodNotAllowed(c, 'GET'));
  return app;
}

function methodNotAllowed(c: Context, allowed: string): Response {
  c.header('Allow', allowed);
  return c.json(
    { error: { code: 'method_not_allowed', message: `${c.req.method} is not allowed here; use ${allowed}` } },
    405,
  );
}

/** Content types of original files served by GET /api/sources/:id/file. */
const ORIGINAL_CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  text: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/plain; charset=utf-8',
};

/** Reads and validates a JSON body: 415 for another content type, 400 for bad JSON or fields. */
async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new FootnoteError(
      'unsupported_media_type',
      `send the body as JSON with Content-Type: application/json (got ${type ? type.split(';')[0] : 'none'})`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw invalidRequest('request body is not valid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(describeZodError(parsed.error));
  return parsed.data;
}
