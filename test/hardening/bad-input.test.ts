import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRequestLimits } from '../../src/server/index.js';
import { ANSWERED, expectError, openApp, postJson } from './helpers.js';

type App = Awaited<ReturnType<typeof openApp>>['app'];

let app: App;
let sourceId: string;
let sourceLength: number;

beforeAll(async () => {
  ({ app } = await openApp());
  const listing = (await (await app.request('/api/sources')).json()) as {
    sources: Array<{ id: string; characters: number }>;
  };
  sourceId = listing.sources[0]!.id;
  sourceLength = listing.sources[0]!.characters;
});

const turns = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: `turn ${index}`,
  }));
const tooLong = 'why '.repeat(Math.ceil(defaultRequestLimits.maxQuestionChars / 4) + 1);

/** Bodies /api/ask must refuse with 400 invalid_request, and what the message must say. */
const badAskBodies: Array<[string, unknown, RegExp]> = [
  ['an empty object', {}, /question is required/],
  ['a number question', { question: 42 }, /question must be a string/],
  ['a null question', { question: null }, /question must be a string/],
  ['an array question', { question: ['who?'] }, /question must be a string/],
  ['an empty question', { question: '' }, /must not be empty/],
  ['a whitespace-only question', { question: ' \n\t\u00a0 ' }, /must not be empty/],
  ['a question over 2,000 characters', { question: tooLong }, /longer than 2000 characters/],
  ['k = 0', { question: ANSWERED.question, k: 0 }, /k must be at least 1/],
  ['k = 21', { question: ANSWERED.question, k: 21 }, /k must be at most 20/],
  ['k = -3', { question: ANSWERED.question, k: -3 }, /k must be at least 1/],
  ['fractional k', { question: ANSWERED.question, k: 2.5 }, /whole number/],
  ['k as a string', { question: ANSWERED.question, k: '5' }, /k must be a number/],
  ['an unknown mode', { question: ANSWERED.question, mode: 'telepathy' }, /mode must be/],
  [
    'history that is not an array',
    { question: ANSWERED.question, history: 'earlier' },
    /history must be an array/,
  ],
  [
    'history with a bad role',
    { question: ANSWERED.question, history: [{ role: 'robot', content: 'hi' }] },
    /role must be/,
  ],
  [
    'history with no content',
    { question: ANSWERED.question, history: [{ role: 'user' }] },
    /content is required/,
  ],
  [
    'too many history turns',
    { question: ANSWERED.question, history: turns(defaultRequestLimits.maxHistoryTurns + 1) },
    /more than 50 turns/,
  ],
  ['JSON null', null, /expected object|invalid/i],
  ['a JSON array', [ANSWERED.question], /expected object|invalid/i],
  ['a JSON string', JSON.stringify(ANSWERED.question), /expected object|invalid/i],
];

const badChatBodies: Array<[string, unknown, RegExp]> = [
  ['no messages', {}, /messages/],
  ['empty messages', { messages: [] }, /must not be empty/],
  ['messages that are not an array', { messages: 'hello' }, /messages must be an array/],
  [
    'a last message from the assistant',
    {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
    },
    /last message must be from the user/,
  ],
  ['a whitespace-only last message', { messages: [{ role: 'user', content: '   ' }] }, /must not be empty/],
  [
    'a last message over 2,000 characters',
    { messages: [{ role: 'user', content: tooLong }] },
    /longer than 2000 characters/,
  ],
  [
    'too many turns',
    { messages: [...turns(defaultRequestLimits.maxHistoryTurns + 1), { role: 'user', content: 'q' }] },
    /more than 51 turns/,
  ],
  [
    'k out of range',
    { messages: [{ role: 'user', content: ANSWERED.question }], k: 1000 },
    /k must be at most 20/,
  ],
  ['a message that is a string', { messages: ['who?'] }, /messages/],
];

describe('bad input gets a clean 4xx and the server keeps answering', () => {
  it.each(badAskBodies)('POST /api/ask with %s → 400', async (_name, body, message) => {
    const error = await expectError(await postJson(app, '/api/ask', body), 400, 'invalid_request');
    expect(error.message).toMatch(message);
  });

  it.each(badChatBodies)(
    'POST /api/chat with %s → 400 before any stream starts',
    async (_name, body, message) => {
      const error = await expectError(await postJson(app, '/api/chat', body), 400, 'invalid_request');
      expect(error.message).toMatch(message);
    },
  );

  it.each(['/api/ask', '/api/chat'])(
    'POST %s with invalid JSON → 400 without the parser message',
    async (route) => {
      for (const text of [
        '{"question": "who',
        "{'question': 'single quotes'}",
        '',
        'undefined',
        '{"question": "a",}',
        '\u0000',
      ]) {
        const error = await expectError(await postJson(app, route, text), 400, 'invalid_request');
        expect(error.message).toBe('request body is not valid JSON');
      }
    },
  );

  it.each(['/api/ask', '/api/chat', '/api/ingest'])(
    'POST %s with another content type → 415',
    async (route) => {
      const withType = await app.request(route, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ question: ANSWERED.question }),
      });
      if (route === '/api/ingest') {
        // Ingest takes no body; without a reingest function the route does not exist.
        await expectError(withType, 404, 'not_found');
        return;
      }
      const error = await expectError(withType, 415, 'unsupported_media_type');
      expect(error.message).toContain('text/plain');
      await expectError(
        await app.request(route, { method: 'POST', body: JSON.stringify({ question: ANSWERED.question }) }),
        415,
        'unsupported_media_type',
      );
      await expectError(
        await app.request(route, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'question=who',
        }),
        415,
        'unsupported_media_type',
      );
    },
  );

  it.each(['/api/ask', '/api/chat'])(
    'POST %s with a body over 64 KB → 413, with or without Content-Length',
    async (route) => {
      const big = JSON.stringify({
        question: ANSWERED.question,
        padding: 'x'.repeat(defaultRequestLimits.maxBodyBytes),
      });
      const error = await expectError(await postJson(app, route, big), 413, 'payload_too_large');
      expect(error.message).toContain('65536 bytes');
      // A streamed (chunked) body has no Content-Length: the limit must still hold.
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 8192)
            controller.enqueue(bytes.subarray(offset, offset + 8192));
          controller.close();
        },
      });
      const chunked = await app.request(route, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      await expectError(chunked, 413, 'payload_too_large');
    },
  );

  it('a body just under 64 KB is still accepted', async () => {
    const history = Array.from({ length: 20 }, () => ({ role: 'user', content: 'x'.repeat(3000) }));
    const body = JSON.stringify({ question: ANSWERED.question, history });
    expect(body.length).toBeLessThan(defaultRequestLimits.maxBodyBytes);
    expect((await postJson(app, '/api/ask', body)).status).toBe(200);
  });

  it.each([
    ['GET', '/api/ask', 'POST'],
    ['PUT', '/api/chat', 'POST'],
    ['DELETE', '/api/sources', 'GET'],
    ['POST', '/api/health', 'GET'],
    ['PATCH', '/api/sources/0123456789abcdef', 'GET'],
  ])('%s %s → 405 with Allow: %s', async (method, route, allowed) => {
    const response = await app.request(route, { method });
    expect(response.headers.get('allow')).toBe(allowed);
    await expectError(response, 405, 'method_not_allowed');
  });

  it.each([
    '/api/nothing-here',
    '/api',
    '/api/ask/extra',
    '/v1/unknown',
    '/api/sources/0123456789abcdef/extra',
    '/.env',
    '/api/%00',
  ])('GET %s → 404 JSON', async (route) => {
    await expectError(await app.request(route), 404, 'not_found');
  });

  it.each([
    ['start=abc&end=10', /start must be a number/],
    ['start=10&end=5', /span must satisfy/],
    ['start=0', /give both start and end/],
    ['start=-1&end=5', /start must be at least 0/],
    ['start=1.5&end=5', /whole number/],
  ])('GET /api/sources/:id?%s → 400', async (query, message) => {
    const error = await expectError(
      await app.request(`/api/sources/${sourceId}?${query}`),
      400,
      'invalid_request',
    );
    expect(error.message).toMatch(message);
  });

  it('GET /api/sources/:id with a span past the end → 400', async () => {
    await expectError(
      await app.request(`/api/sources/${sourceId}?start=0&end=${sourceLength + 1}`),
      400,
      'invalid_request',
    );
  });

  it('after all of that the server still answers with citations', async () => {
    const response = await postJson(app, '/api/ask', { question: ANSWERED.question });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { answer: string; grounded: boolean; citations: unknown[] };
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain(ANSWERED.answerContains);
    expect(answer.citations.length).toBeGreaterThan(0);
  });
});
