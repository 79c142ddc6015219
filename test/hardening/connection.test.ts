import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountOpenAiRoutes, startServer } from '../../src/server/index.js';
import { openApp, waitFor } from './helpers.js';

/**
 * The connection after an early rejection, and a client that drops its upload, on a real HTTP
 * server: a 413 must not break the client's keep-alive connection, and an aborted upload is one
 * plain log line, not an internal error with a stack.
 */

const logLines: string[] = [];
let server: Awaited<ReturnType<typeof startServer>>;
let port: number;

beforeAll(async () => {
  const { app } = await openApp({
    log: (line) => logLines.push(line),
    access: { rateLimit: 0, requestTimeoutMs: 5000 },
    extend: (routes) =>
      mountOpenAiRoutes(routes, { holder: { engine: undefined }, log: (line) => logLines.push(line) }),
  });
  server = await startServer(app, { port: 0, log: () => {} });
  port = Number(new URL(server.url).port);
});

afterAll(() => server.close());

/** One request on `agent`; resolves with the status and the Connection header, or the socket error. */
function send(
  agent: http.Agent,
  method: string,
  path: string,
  body?: { bytes: Buffer; chunked: boolean },
): Promise<{ status: number; connection: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (body && !body.chunked) headers['content-length'] = body.bytes.length;
    const request = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
      );
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    if (body) request.end(body.bytes);
    else request.end();
  });
}

describe('an early rejection keeps the client connection usable', () => {
  it.each([
    ['413 for a 200 KB body with Content-Length', '/api/ask', 'application/json', false, 413],
    ['413 for a 200 KB chunked body', '/api/ask', 'application/json', true, 413],
    ['413 under /v1', '/v1/chat/completions', 'application/json', false, 413],
  ])(
    '%s: Connection: close, and the next request on the same agent succeeds',
    async (_name, route, _type, chunked, status) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const bytes = Buffer.from(JSON.stringify({ question: 'x'.repeat(200 * 1024) }));
      const rejected = await send(agent, 'POST', route, { bytes, chunked });
      expect(rejected).toEqual({ status, connection: 'close' });
      // Sent at once: on a reused socket with the unread body still on it, this failed (socket hang up).
      const next = await send(agent, 'GET', '/api/health');
      expect(next).toMatchObject({ status: 200 });
      agent.destroy();
    },
  );

  it('415 (wrong content type) closes too, and a normal request keeps the connection alive', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const rejected = await new Promise<{ status: number; connection: string | undefined }>((resolve) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/ask',
          agent,
          headers: { 'content-type': 'text/plain' },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
          );
        },
      );
      request.end('x'.repeat(30 * 1024));
    });
    expect(rejected).toEqual({ status: 415, connection: 'close' });
    expect(await send(agent, 'GET', '/api/health')).toEqual({ status: 200, connection: 'keep-alive' });
    agent.destroy();
  });
});

describe('a client that drops a chunked upload', () => {
  it('is logged as one plain line, not an internal error with a stack', async () => {
    for (const route of ['/api/ask', '/v1/chat/completions']) {
      logLines.length = 0;
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"question": "Wh\r\n`,
      );
      socket.destroy();
      await waitFor(() => logLines.length > 0);
      expect(logLines).toEqual([`request aborted by the client: POST ${route}`]);
    }
  });
});
