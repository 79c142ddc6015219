import { beforeAll, describe, expect, it } from 'vitest';
import type { GenerateInput, Generator, GeneratorPart } from '../../src/answer/index.js';
import { Engine } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import {
  type AccessOptions,
  createApp,
  defaultAccessOptions,
  mountOpenAiRoutes,
} from '../../src/server/index.js';
import { buildTestIndex, gloveEmbedder } from '../support/test-index.js';
import { ANSWERED, CORPUS, expectError, postJson } from './helpers.js';

const KEY = 'correct-horse-battery-staple-0123456789';

let indexDirectory: string;
let engine: Engine;
const reingestCalls: string[] = [];

/** What a TCP client looks like to the app (the node-server bindings carry the socket). */
const from = (address: string) => ({
  incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: 'IPv4' } },
});

function appWith(access: Partial<AccessOptions>, holder: { engine?: Engine } = { engine }) {
  return createApp({
    holder,
    log: () => {},
    access,
    reingest: async () => {
      reingestCalls.push('ingest');
      return ingestCorpus({ corpusDirectory: CORPUS, indexDirectory, embedder: gloveEmbedder() });
    },
  });
}

beforeAll(async () => {
  ({ indexDirectory } = await buildTestIndex());
  engine = await Engine.open({ indexDirectory, embedder: gloveEmbedder() });
});

describe('API key', () => {
  const app = () => appWith({ apiKey: KEY });

  it('every /api and /v1 route answers 401 without the key, and the work is not done', async () => {
    const protectedRequests: Array<[string, RequestInit]> = [
      [
        '/api/ask',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: ANSWERED.question }),
        },
      ],
      [
        '/api/chat',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: ANSWERED.question }] }),
        },
      ],
      ['/api/sources', {}],
      [`/api/sources/${Object.values(engine.store.manifest.files)[0]!.id}`, {}],
      ['/api/ingest', { method: 'POST' }],
      ['/api/does-not-exist', {}],
    ];
    for (const [route, init] of protectedRequests) {
      const response = await app().request(route, init);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="footnote"');
      const error = await expectError(response, 401, 'unauthorized');
      expect(error.message).toContain('Authorization: Bearer');
      expect(JSON.stringify(error)).not.toContain(KEY);
    }
    // Under /v1 the error has OpenAI's shape, which its SDKs read.
    for (const [route, init] of [
      [
        '/v1/chat/completions',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      ],
      ['/v1/models', {}],
    ] as Array<[string, RequestInit]>) {
      const response = await app().request(route, init);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: {
          message: expect.stringContaining('Authorization: Bearer'),
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    expect(reingestCalls).toEqual([]);
  });

  it('a wrong key, a key of another length, a non-Bearer scheme and a huge header all get 401, never 500', async () => {
    for (const authorization of [
      `Bearer ${KEY}x`,
      `Bearer ${KEY.slice(0, -1)}`,
      'Bearer x',
      `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`,
      `Bearer ${'k'.repeat(50_000)}`,
      `Token ${KEY}`,
      `Bearer`,
      `Bearer ${KEY} extra`,
    ]) {
      const response = await postJson(app(), '/api/ask', { question: ANSWERED.question }, { authorization });
      const error = await expectError(response, 401, 'unauthorized');
      expect(error.message).toBe('the API key is not valid');
    }
  });

  it('the right key opens every route, in any case of "Bearer"', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const response = await postJson(
        app(),
        '/api/ask',
        { question: ANSWERED.question },
        { authorization: `${scheme} ${KEY}` },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as { answer: string }).answer).toContain(ANSWERED.answerContains);
    }
    const sources = await app().request('/api/sources', { headers: { authorization: `Bearer ${KEY}` } });
    expect(sources.status).toBe(200);
    const ingest = await app().request('/api/ingest', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(ingest.status).toBe(200);
    expect(reingestCalls).toEqual(['ingest']);
  });

  it('/api/health stays open but tells an anonymous caller only the status', async () => {
    const anonymous = await app().request('/api/health');
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    const authorized = (await (
      await app().request('/api/health', { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as Record<string, unknown>;
    expect(authorized.status).toBe('ok');
    expect(authorized.corpus).toEqual({ sources: 5, chunks: engine.store.manifest.counts.chunks });
    const broken = appWith({ apiKey: KEY }, {});
    const down = await broken.request('/api/health');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'no_index' });
  });

  it('without a key configured, the API is open (the default)', async () => {
    expect(defaultAccessOptions.apiKey).toBeUndefined();
    expect((await postJson(appWith({}), '/api/ask', { question: ANSWERED.question })).status).toBe(200);
  });
});

describe('rate limiting', () => {
  it('the default serves a burst of 60 requests from one client', async () => {
    expect(defaultAccessOptions.rateLimit).toBeGreaterThanOrEqual(60);
    expect(defaultAccessOptions.rateLimitWindowMs).toBe(60_000);
    const app = appWith({});
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () =>
        Promise.resolve(app.request('/api/sources', {}, from('192.0.2.10'))).then(
          (response) => response.status,
        ),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('past the limit a client gets 429 with Retry-After; other clients and /api/health are not affected', async () => {
    const app = appWith({ rateLimit: 5 });
    for (let count = 0; count < 5; count += 1) {
      const response = await postJson(
        app,
        '/api/ask',
        { question: ANSWERED.question },
        {},
        from('192.0.2.1'),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(4 - count));
    }
    const limited = await postJson(app, '/api/ask', { question: ANSWERED.question }, {}, from('192.0.2.1'));
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = await expectError(limited, 429, 'rate_limited');
    expect(error.message).toMatch(/at most 5 per 60 s/);
    expect((await app.request('/api/sources', {}, from('192.0.2.1'))).status).toBe(429);
    expect((await app.request('/api/sources', {}, from('192.0.2.2'))).status).toBe(200);
    expect((await app.request('/api/health', {}, from('192.0.2.1'))).status).toBe(200);
  });

  it('failed key guesses count against the limit too', async () => {
    const app = appWith({ rateLimit: 3, apiKey: KEY });
    const statuses: number[] = [];
    for (let count = 0; count < 5; count += 1)
      statuses.push(
        (await app.request('/api/sources', { headers: { authorization: 'Bearer guess' } }, from('192.0.2.3')))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('/api and /v1 share one counter per client: the limit is not doubled', async () => {
    const app = createApp({
      holder: { engine },
      log: () => {},
      access: { rateLimit: 4 },
      extend: (routes) => mountOpenAiRoutes(routes, { holder: { engine }, log: () => {} }),
    });
    const statuses: number[] = [];
    for (const route of [
      '/api/sources',
      '/v1/models',
      '/api/sources',
      '/v1/models',
      '/v1/models',
      '/api/sources',
    ])
      statuses.push((await app.request(route, {}, from('192.0.2.9'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('rate 0 turns it off', async () => {
    const app = appWith({ rateLimit: 0 });
    const statuses = await Promise.all(
      Array.from({ length: 150 }, () =>
        Promise.resolve(app.request('/api/health', {}, from('192.0.2.4'))).then(
          (response) => response.status,
        ),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('CORS', () => {
  const preflight = (origin: string): RequestInit => ({
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

  it('is off by default: no page on another origin may read the API', async () => {
    const app = appWith({});
    const options = await app.request('/api/ask', preflight('https://evil.example'));
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
    const get = await app.request('/api/sources', { headers: { origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the configured origins', async () => {
    const app = appWith({ corsOrigins: ['https://notes.example', 'http://localhost:3000'], apiKey: KEY });
    const allowed = await app.request('/api/ask', preflight('https://notes.example'));
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://notes.example');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await app.request('/api/ask', preflight('https://evil.example'));
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    const get = await app.request('/api/sources', {
      headers: { origin: 'http://localhost:3000', authorization: `Bearer ${KEY}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });
});

describe('security headers', () => {
  it('every response, success or error, carries a CSP without inline script and anti-sniffing/framing headers', async () => {
    const app = appWith({ apiKey: KEY });
    const responses = [
      await app.request('/'),
      await app.request('/api/health'),
      await app.request('/api/sources'),
      await postJson(app, '/api/ask', { question: '' }, { authorization: `Bearer ${KEY}` }),
      await app.request('/api/sources', { headers: { authorization: `Bearer ${KEY}` } }),
    ];
    for (const response of responses) {
      const policy = response.headers.get('content-security-policy') ?? '';
      const scriptSources = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
      expect(scriptSources).toBe("'self'");
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('request timeout', () => {
  /** Stands in for a remote LLM that never answers; records whether the request told it to stop. */
  class HangingGenerator implements Generator {
    readonly id = 'hanging-llm';
    readonly calls: Array<{ question: string; aborted: boolean }> = [];
    constructor(private readonly fallback: Generator) {}
    async *generate(input: GenerateInput): AsyncGenerator<GeneratorPart> {
      if (!input.question.includes('hang')) {
        yield* this.fallback.generate(input);
        return;
      }
      const call = { question: input.question, aborted: false };
      this.calls.push(call);
      await new Promise<void>((resolve) => {
        const stop = () => {
          call.aborted = true;
          resolve();
        };
        if (input.signal?.aborted) stop();
        input.signal?.addEventListener('abort', stop);
        setTimeout(resolve, 10_000).unref();
      });
      input.signal?.throwIfAborted();
      yield { type: 'text-delta', text: 'too late' };
    }
  }

  let hanging: HangingGenerator;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const slowEngine = await Engine.open({
      indexDirectory,
      embedder: gloveEmbedder(),
      generator: (extractive) => (hanging = new HangingGenerator(extractive)),
    });
    app = createApp({
      holder: { engine: slowEngine },
      log: () => {},
      access: { requestTimeoutMs: 300 },
      // The real incremental ingest, started late enough to outlast the timeout, as a large corpus does.
      reingest: async () => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        return ingestCorpus({ corpusDirectory: CORPUS, indexDirectory, embedder: gloveEmbedder() });
      },
    });
  });

  it('the default is 30 s', () => {
    expect(defaultAccessOptions.requestTimeoutMs).toBe(30_000);
  });

  it('a request that runs too long gets 408 JSON, and the engine is told to stop', async () => {
    const started = performance.now();
    const response = await postJson(app, '/api/ask', { question: `${ANSWERED.question} hang` });
    const elapsed = performance.now() - started;
    const error = await expectError(response, 408, 'request_timeout');
    expect(error.message).toContain('0.3 s');
    expect(elapsed).toBeLessThan(3000);
    expect(hanging.calls).toHaveLength(1);
    expect(hanging.calls[0]!.aborted).toBe(true);
  });

  it('a re-ingest that takes longer than the timeout is waited for, not cut off', async () => {
    const response = await app.request('/api/ingest', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sources: 5, chunks: 37, unchanged: 5 });
  });

  it('the next request is answered normally', async () => {
    const response = await postJson(app, '/api/ask', { question: ANSWERED.question });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toContain(ANSWERED.answerContains);
  });
});
