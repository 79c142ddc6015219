import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateInput, Generator, GeneratorPart } from '../../src/answer/index.js';
import { ANSWERED, openApp } from './helpers.js';

/**
 * Stands in for a remote LLM that streams slowly: one token every 20 ms, 100 tokens. Records how
 * many tokens the latest request pulled from it and whether its consumer let go of it.
 */
class SlowStreamingGenerator implements Generator {
  readonly id = 'slow-llm';
  pulled = 0;
  closed = false;
  sawAbort = false;
  async *generate(input: GenerateInput): AsyncGenerator<GeneratorPart> {
    this.pulled = 0;
    this.closed = false;
    this.sawAbort = false;
    input.signal?.addEventListener('abort', () => {
      this.sawAbort = true;
    });
    try {
      for (let token = 0; token < 100; token += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        this.pulled += 1;
        yield { type: 'text-delta', text: `token${token} ` };
      }
    } finally {
      this.closed = true;
    }
  }
}

let server: ServerType;
let url: string;
let generator: SlowStreamingGenerator;

beforeAll(async () => {
  const { app } = await openApp({ generator: () => (generator = new SlowStreamingGenerator()) });
  server = await new Promise<ServerType>((resolve) => {
    const instance = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(instance));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  (server as Server).closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('a client that disconnects mid-stream', () => {
  it('stops the work: the answer stream is no longer consumed', async () => {
    const client = new AbortController();
    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: ANSWERED.question }] }),
      signal: client.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/event: delta/g) ?? []).length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toContain('event: retrieval');
    client.abort();

    await new Promise((resolve) => setTimeout(resolve, 300));
    const pulledAfterAbort = generator.pulled;
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Without the abort handling the server would pull all 100 tokens (2 s) into a dead socket.
    expect(generator.pulled).toBe(pulledAfterAbort);
    expect(generator.pulled).toBeLessThan(40);
    expect(generator.closed).toBe(true);
    expect(generator.sawAbort).toBe(true);
  });

  it('a client that stays gets the whole stream', async () => {
    const response = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: ANSWERED.question }] }),
    });
    const text = await response.text();
    expect(text).toContain('token99');
    expect(text).toContain('event: done');
    expect(generator.pulled).toBe(100);
  });
});
