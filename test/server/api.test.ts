import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/answer/index.js';
import type { Engine } from '../../src/engine.js';
import { createApp } from '../../src/server/index.js';
import { expectExactCitations } from '../support/citations.js';
import { readSse } from '../support/sse.js';
import { buildTestIndex } from '../support/test-index.js';

let fixture: Awaited<ReturnType<typeof buildTestIndex>>;
let engine: Engine;
let app: Hono;

beforeAll(async () => {
  fixture = await buildTestIndex();
  engine = await fixture.open();
  app = createApp({ holder: { engine }, log: () => {} });
});
afterAll(() => fixture.remove());

const post = (path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The SSE frames of a response, their data parsed. */
async function readEvents(response: Response): Promise<Array<{ event: string; data: unknown }>> {
  return (await readSse(response)).map((frame) => ({ event: frame.event, data: JSON.parse(frame.data) }));
}

describe('HTTP API', () => {
  it('POST /api/ask answers with citations, passages and timings', async () => {
    const response = await post('/api/ask', {
      question: 'Which Hamas leader was killed by the Israeli military?',
      k: 3,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Answer;
    expect(answer.grounded).toBe(true);
    expect(answer.confidence).toBeGreaterThan(0);
    expect(answer.confidence).toBeLessThanOrEqual(1);
    expect(answer.answer).toContain('Jabari');
    expect(answer.citations[0]).toMatchObject({
      n: 1,
      source: '002_c15813028621ca03.txt',
      title: 'Road to Reset? Clinton and Lavrov map out goals',
    });
    // answerSpan is there when the question asks for a typed thing (a name, a date…) and the quote holds one.
    expect(
      Object.keys(answer.citations[0]!)
        .filter((key) => key !== 'answerSpan')
        .sort(),
    ).toEqual(['end', 'line', 'n', 'quote', 'score', 'source', 'sourceId', 'start', 'title']);
    expect(answer.passages.length).toBeLessThanOrEqual(3);
    expect(answer.timings).toMatchObject({ retrieveMs: expect.any(Number), answerMs: expect.any(Number) });
    await expectExactCitations(engine, answer.citations);
  });

  it('POST /api/ask takes the conversation into account', async () => {
    const response = await post('/api/ask', {
      question: 'What did he die of?',
      history: [
        { role: 'user', content: 'Who is the Magnitsky Act named after?' },
        { role: 'assistant', content: 'It is named after Sergey Magnitsky. [1]' },
      ],
    });
    const answer = (await response.json()) as Answer;
    expect(answer.passages[0]?.text).toContain('Magnitsky');
    await expectExactCitations(engine, answer.citations);
  });

  it('POST /api/chat streams retrieval, delta, citation and done events', async () => {
    const response = await post('/api/chat', {
      messages: [{ role: 'user', content: 'Which Hamas leader was killed by the Israeli military?' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(response);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('retrieval');
    expect(names.at(-1)).toBe('done');
    expect(names).toContain('delta');
    expect(names).toContain('citation');
    const done = events.at(-1)!.data as Answer;
    const streamed = events
      .filter((event) => event.event === 'delta')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    expect(streamed).toBe(done.answer);
    expect(events.filter((event) => event.event === 'citation').map((event) => event.data)).toEqual(
      done.citations,
    );
    await expectExactCitations(engine, done.citations);
  });

  it('POST /api/chat reports a refusal as a normal, ungrounded answer', async () => {
    const events = await readEvents(
      await post('/api/chat', { messages: [{ role: 'user', content: 'What is the capital of Australia?' }] }),
    );
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({
      grounded: false,
      answer: "I couldn't find this in the corpus.",
      citations: [],
    });
  });

  it('GET /api/sources/:id returns the text and the cited span; ids only come from the index', async () => {
    const answer = (await (await post('/api/ask', { question: 'Who is Jen Psaki?' })).json()) as Answer;
    const citation = answer.citations[0]!;
    const response = await app.request(
      `/api/sources/${citation.sourceId}?start=${citation.start}&end=${citation.end}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      source: string;
      text: string;
      span: { text: string; line: number };
    };
    expect(body.source).toBe(citation.source);
    expect(body.span).toMatchObject({ text: citation.quote, line: citation.line });
    expect(body.text.slice(citation.start, citation.end)).toBe(citation.quote);
    expect((await app.request('/api/sources/0000000000000000')).status).toBe(404);
    expect((await app.request('/api/sources/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await app.request(`/api/sources/${citation.sourceId}?start=5`)).status).toBe(400);
    expect((await app.request(`/api/sources/${citation.sourceId}?start=5&end=99999999`)).status).toBe(400);
  });

  it('GET /api/sources lists what is indexed', async () => {
    const body = (await (await app.request('/api/sources')).json()) as {
      sources: Array<{ source: string; chunks: number }>;
    };
    expect(body.sources.map((source) => source.source)).toHaveLength(5);
    expect(body.sources.every((source) => source.chunks > 0)).toBe(true);
  });

  it('GET /api/health reports status, corpus, index and embedder without file system paths', async () => {
    const response = await app.request('/api/health');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ok',
      corpus: { sources: 5 },
      embedder: 'glove-sg-100d',
      generator: 'extractive',
    });
    expect(JSON.stringify(body)).not.toContain('/tmp');
    const empty = createApp({ holder: {}, log: () => {} });
    const missing = await empty.request('/api/health');
    expect(missing.status).toBe(503);
    expect(await missing.json()).toMatchObject({ status: 'no_index' });
    const ask = await empty.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Anything?' }),
    });
    expect(ask.status).toBe(503);
    expect(await ask.json()).toMatchObject({ error: { code: 'index_missing' } });
  });

  it('rejects malformed requests with a 4xx JSON error', async () => {
    const cases: Array<[Response, number, string]> = [
      [await post('/api/ask', {}), 400, 'invalid_request'],
      [await post('/api/ask', { question: '   ' }), 400, 'invalid_request'],
      [await post('/api/ask', { question: 'x', k: 0 }), 400, 'invalid_request'],
      [
        await app.request('/api/ask', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"question":',
        }),
        400,
        'invalid_request',
      ],
      [
        await app.request('/api/ask', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'hello',
        }),
        415,
        'unsupported_media_type',
      ],
      [await app.request('/api/ask'), 405, 'method_not_allowed'],
      [await app.request('/api/nope'), 404, 'not_found'],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
    }
  });
});
