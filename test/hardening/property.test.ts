import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSWERED, LEAK, openApp, REPO_ROOT } from './helpers.js';

/**
 * Random and adversarial JSON at every endpoint that takes a body: whatever comes in, the answer
 * is a response below 500 with a clean body, and the app keeps answering.
 */

type App = Awaited<ReturnType<typeof openApp>>['app'];
let app: App;
const routes = ['/api/ask', '/api/chat'];

/** The OpenAI-compatible routes are another engineer's; test them when they exist. */
const OPENAI_ROUTES = path.join(REPO_ROOT, 'src', 'server', 'openai-routes.ts');

beforeAll(async () => {
  let extend: ((routes: Hono) => void) | undefined;
  if (existsSync(OPENAI_ROUTES)) {
    const module = (await import(/* @vite-ignore */ OPENAI_ROUTES)) as {
      mountOpenAiRoutes?: (app: Hono, options: { holder: unknown; log: (line: string) => void }) => void;
    };
    if (module.mountOpenAiRoutes) {
      const mount = module.mountOpenAiRoutes;
      extend = (routes) => mount(routes, { holder, log: () => {} });
      routes.push('/v1/chat/completions');
    }
  }
  const holder: { engine?: unknown } = {};
  const opened = await openApp(extend ? { extend } : {});
  holder.engine = opened.engine;
  app = opened.app;
});

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\u0000'.repeat(50),
  '\ud800',
  '\udfff',
  '\u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627',
  'e\u0301\u0301\u0301\u0301',
  '🤖👩‍👩‍👧‍👦🏳️‍🌈',
  '__proto__',
  'constructor',
  'toString',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal template placeholder is the hostile input
  '${process.exit(1)}',
  'x'.repeat(2000),
  'x'.repeat(2001),
  'why '.repeat(600),
  ANSWERED.question,
);
const text = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  nasty,
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 20, 21, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  text,
  number,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const role = fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool', 'function', 'USER', ''), text);
const turn = fc.oneof(fc.record({ role, content: fc.oneof(text, value) }, { requiredKeys: [] }), value);
const turns = fc.oneof(
  fc.array(turn, { maxLength: 6 }),
  fc.array(fc.record({ role: fc.constant('user'), content: text }), { minLength: 50, maxLength: 60 }),
  value,
);

/** Bodies shaped like the real requests, with any field wrong in any way. */
const shaped = fc
  .record(
    {
      question: fc.oneof(text, value),
      messages: turns,
      history: turns,
      k: fc.oneof(number, value),
      mode: fc.oneof(fc.constantFrom('hybrid', 'bm25', 'dense', 'HYBRID'), value),
      model: fc.oneof(fc.constant('footnote'), text),
      stream: fc.oneof(fc.boolean(), value),
      n: fc.oneof(number, value),
      temperature: value,
      tools: value,
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));

/** Valid requests with adversarial text: these reach retrieval and the answer. */
const history = fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: text }), {
  maxLength: 4,
});
const valid = (route: string) =>
  fc
    .record({
      question: text,
      history,
      k: fc.integer({ min: 1, max: 20 }),
      mode: fc.constantFrom('hybrid', 'bm25', 'dense'),
      stream: fc.boolean(),
    })
    .map(({ question, history: earlier, k, mode, stream }) => {
      const messages = [...earlier, { role: 'user', content: question }];
      if (route === '/api/ask') return JSON.stringify({ question, history: earlier, k, mode });
      if (route === '/api/chat') return JSON.stringify({ messages, k, mode });
      return JSON.stringify({ model: 'footnote', messages, stream, k, mode });
    });

/** Raw text that is not JSON, or JSON the parser accepts in odd forms. */
const raw = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue().map((json) => JSON.stringify(json)),
  fc.constantFrom(
    '{"__proto__": {"polluted": true}, "question": "who?"}',
    '{"constructor": {"prototype": {"polluted": true}}, "messages": []}',
    '{"question": "a", "question": 5}',
    `{"messages": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
    `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
    '[]',
    'null',
    '1e999999',
    '"\\ud800"',
    '\ufeff{"question": "who?"}',
  ),
);

const statuses = new Map<string, number>();

async function check(route: string, body: string): Promise<void> {
  const response = await app.request(route, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  const key = `${route} ${response.status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  expect(response.status, `${route} ${body.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text).not.toMatch(LEAK);
  if (response.status >= 400) {
    const error = (JSON.parse(text) as { error: { message: unknown } }).error;
    expect(typeof error.message).toBe('string');
    return;
  }
  // A stream that started must end properly, never with an internal error.
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    expect(text).not.toMatch(/"code":\s*"internal"|internal error/);
    expect(text).toMatch(/event: done|data: \[DONE\]/);
  }
}

describe('property: no body makes an endpoint fail', () => {
  it('random and adversarial JSON never gets a 5xx, on every route that takes a body', async () => {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(shaped, raw, valid(route)), (body) => check(route, body)),
        { numRuns: 200 },
      );
      // The property must have reached the engine, not only the validator.
      expect(statuses.get(`${route} 200`) ?? 0, `${route}: ${JSON.stringify([...statuses])}`).toBeGreaterThan(
        20,
      );
    }
  }, 60_000);

  it('and afterwards the app still answers (and no prototype was polluted)', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const response = await app.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: ANSWERED.question }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toContain(ANSWERED.answerContains);
  });
});
