import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat completions request as the fake received it. */
export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  body: {
    model: string;
    stream?: boolean;
    messages: Array<{ role: string; content: string }>;
    [key: string]: unknown;
  };
}

/** What the fake does with a request. */
export type FakeReply =
  /** Answers `text`: as SSE chunks of `chunkSize` characters when the request streams. */
  | { text: string; chunkSize?: number; delayMs?: number; tokenDelayMs?: number }
  /** Answers with an HTTP error. */
  | { status: number; message?: string; delayMs?: number }
  /** Sends response headers, then nothing (a server that stalls). */
  | { stallMs: number };

export interface FakeOpenAiServer {
  /** Base URL including `/v1`, as clients are configured. */
  baseUrl: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/**
 * A small OpenAI-compatible chat completions server on 127.0.0.1 standing in for a remote LLM:
 * every request is recorded and answered by the test's script.
 */
export async function startFakeOpenAi(
  respond: (request: RecordedRequest, index: number) => FakeReply,
): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, response) => {
    void (async () => {
      const raw = await readBody(incoming);
      if (incoming.method !== 'POST' || !incoming.url?.endsWith('/chat/completions')) {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
        return;
      }
      const recorded: RecordedRequest = {
        path: incoming.url,
        authorization: incoming.headers.authorization,
        body: JSON.parse(raw) as RecordedRequest['body'],
      };
      requests.push(recorded);
      const reply = respond(recorded, requests.length - 1);
      if ('delayMs' in reply && reply.delayMs) await sleep(reply.delayMs);
      if ('stallMs' in reply) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.flushHeaders();
        await sleep(reply.stallMs);
        response.end();
        return;
      }
      if ('status' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: {
              message: reply.message ?? `scripted ${reply.status}`,
              type: 'server_error',
              param: null,
              code: null,
            },
          }),
        );
        return;
      }
      const base = {
        id: `chatcmpl-fake${requests.length}`,
        created: 1_700_000_000,
        model: recorded.body.model,
      };
      if (!recorded.body.stream) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [
              { index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
          }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (choice: unknown) =>
        response.write(
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [choice] })}\n\n`,
        );
      send({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
      const size = reply.chunkSize ?? 7;
      for (let start = 0; start < reply.text.length; start += size) {
        if (response.destroyed) return;
        if (reply.tokenDelayMs) await sleep(reply.tokenDelayMs);
        send({ index: 0, delta: { content: reply.text.slice(start, start + size) }, finish_reason: null });
      }
      send({ index: 0, delta: {}, finish_reason: 'stop' });
      response.end('data: [DONE]\n\n');
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => closeServer(server),
  };
}

/** A base URL where nothing listens (connection refused). */
export async function refusedBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}/v1`;
}

/** The numbered passages of an answer prompt: number → passage text. */
export function promptPassages(request: RecordedRequest): Map<number, string> {
  const system = request.body.messages.find((message) => message.role === 'system')?.content ?? '';
  const passages = new Map<number, string>();
  for (const block of system.split(/\n\n(?=\[\d+\] )/)) {
    const match = /^\[(\d+)\] [^\n]*\n([\s\S]*)$/.exec(block.trim());
    if (match) passages.set(Number(match[1]), match[2]!);
  }
  return passages;
}

/** Number of the prompt passage containing `text`. */
export function passageWith(request: RecordedRequest, text: string): number {
  for (const [number, passage] of promptPassages(request)) if (passage.includes(text)) return number;
  throw new Error(`no passage in the prompt contains "${text}"`);
}

/** True for a condense request (rewrite a follow-up), false for an answer request. */
export function isCondenseRequest(request: RecordedRequest): boolean {
  return (
    request.body.messages.length === 1 && request.body.messages[0]!.content.includes('Standalone question:')
  );
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (data += chunk));
    request.on('end', () => resolve(data));
    request.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
