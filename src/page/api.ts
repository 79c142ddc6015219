/**
 * The page's window on the HTTP API: fetch with the optional API key, JSON errors as
 * `ApiError`, and `/api/chat`'s Server-Sent Events as a stream of typed events.
 */

import type { ChatEvent } from '../server/chat-events.js';
import type { ChatTurn } from '../types.js';

/** The server answered with `{ error: { code, message } }` (or some other non-2xx). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The request never reached the server, or the answer was cut off on the way. */
export class ConnectionError extends Error {}

/** One source of the corpus, as `GET /api/sources` lists it. */
export interface SourceSummary {
  id: string;
  source: string;
  title: string;
  chunks: number;
  characters: number;
  format: string;
  encoding: string;
  /** PDF: number of pages. */
  pages?: number;
}

/**
 * A window of a source's text around the span asked for, as `GET /api/sources/:id` returns it
 * (the whole text when the source is short).
 */
export interface SourceText {
  id: string;
  source: string;
  title: string;
  format?: string;
  /** The characters `window.start` to `window.end` of the source. */
  text: string;
  /** Where `text` sits in the whole source (offsets into the source's text). */
  window: { start: number; end: number };
  /** Length of the whole source text. */
  length: number;
  /** PDF: where each page starts in `text`. */
  pages?: number[];
  span?: { start: number; end: number; text: string; line: number; page?: number; section?: string[] };
}

/** GET /api/health. Without a valid API key (when one is configured) only `status` is sent. */
export type Health =
  | {
      status: 'ok';
      corpus?: { sources: number; chunks: number };
      index?: { createdAt: string; loadedAt: string; formatVersion: number };
      embedder?: string;
      generator?: string;
    }
  | { status: 'no_index'; message?: string };

/** What a re-ingest changed, as `POST /api/ingest` reports it. */
export interface IngestResult {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
  warnings: string[];
  /** Files not indexed; each is named in `warnings`. */
  skipped?: number;
  sources: number;
  chunks: number;
  durationMs: number;
}

const KEY_STORAGE = 'footnote:api-key';

/** Asks the person for an API key; `rejected` says the last one was refused. */
export type KeyPrompt = (rejected: boolean) => Promise<string | undefined>;

let keyPrompt: KeyPrompt | undefined;
let pendingKey: Promise<string | undefined> | undefined;

/** Sets how the page asks for an API key when the server answers 401. */
export function setKeyPrompt(prompt: KeyPrompt): void {
  keyPrompt = prompt;
}

function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * `fetch` with `Authorization: Bearer <key>` once a key is known. On 401 it asks for the key
 * (one prompt shared by every request waiting on it), keeps it for the tab and tries again.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const key = storedKey();
    const headers = new Headers(init.headers);
    if (key) headers.set('Authorization', `Bearer ${key}`);
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ConnectionError('could not reach the Footnote server');
    }
    if (response.status !== 401 || !keyPrompt || attempt >= 5) return response;
    // Another request may already have been given a key while this one was on its way.
    if (storedKey() !== key) continue;
    pendingKey ??= keyPrompt(key !== undefined).finally(() => {
      pendingKey = undefined;
    });
    const entered = (await pendingKey)?.trim();
    if (!entered) return response;
    try {
      sessionStorage.setItem(KEY_STORAGE, entered);
    } catch {
      return response;
    }
  }
}

/** Turns a non-2xx response into an `ApiError` with the server's code and message. */
export async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (body.error && typeof body.error.code === 'string' && typeof body.error.message === 'string') {
      return new ApiError(body.error.code, body.error.message, response.status);
    }
  } catch {
    // Not our JSON (a proxy's error page…); fall through to the status line.
  }
  return new ApiError(
    `http_${response.status}`,
    `the server answered ${response.status} ${response.statusText}`.trim(),
    response.status,
  );
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await apiFetch(path, init);
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

/** GET /api/health; a 503 `no_index` is an answer, not an error. */
export async function fetchHealth(): Promise<Health> {
  const response = await apiFetch('/api/health');
  if (response.status === 503) {
    const body = (await response.json().catch(() => ({}))) as { status?: string; message?: string };
    if (body.status === 'no_index')
      return body.message ? { status: 'no_index', message: body.message } : { status: 'no_index' };
  }
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as Health;
}

/** GET /api/sources: every source of the corpus. */
export async function fetchSources(): Promise<SourceSummary[]> {
  return (await json<{ sources: SourceSummary[] }>('/api/sources')).sources;
}

/** GET /api/sources/:id with a span: the source text around a footnote. */
export async function fetchSource(id: string, span: { start: number; end: number }): Promise<SourceText> {
  return json<SourceText>(`/api/sources/${encodeURIComponent(id)}?start=${span.start}&end=${span.end}`);
}

/** GET /api/sources/:id/file: the original file's bytes (the PDF a citation is shown on). */
export async function fetchOriginal(id: string): Promise<ArrayBuffer> {
  const response = await apiFetch(`/api/sources/${encodeURIComponent(id)}/file`);
  if (!response.ok) throw await errorFrom(response);
  return response.arrayBuffer();
}

/** POST /api/ingest: re-indexes the corpus folder on the server. */
export async function reingest(): Promise<IngestResult> {
  return json<IngestResult>('/api/ingest', { method: 'POST' });
}

/**
 * POST /api/chat and yield its events as they arrive. Throws `ConnectionError` when the
 * stream ends before `done` or `error`, and `ApiError` when the request itself is refused.
 */
export async function* streamChat(messages: ChatTurn[], signal: AbortSignal): AsyncGenerator<ChatEvent> {
  const response = await apiFetch('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ messages }),
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  if (!response.body) throw new ConnectionError('the server sent no answer');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let finished = false;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) throw error;
        throw new ConnectionError('the connection was lost while the answer was arriving');
      }
      if (chunk.done) break;
      buffer += chunk.value;
      for (let match = /\r?\n\r?\n/.exec(buffer); match; match = /\r?\n\r?\n/.exec(buffer)) {
        const frame = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        const event = parseFrame(frame);
        if (!event) continue;
        if (event.event === 'done' || event.event === 'error') finished = true;
        yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (!finished) throw new ConnectionError('the connection closed before the answer was complete');
}

const EVENTS: ReadonlySet<string> = new Set<ChatEvent['event']>([
  'retrieval',
  'delta',
  'citation',
  'done',
  'error',
]);

function parseFrame(frame: string): ChatEvent | undefined {
  let name = 'message';
  const data: string[] = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0 || !EVENTS.has(name)) return undefined;
  return { event: name, data: JSON.parse(data.join('\n')) } as ChatEvent;
}
