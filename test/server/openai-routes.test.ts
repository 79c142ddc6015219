import { ChatOpenAI } from '@langchain/openai';
import type { Hono } from 'hono';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Citation } from '../../src/answer/index.js';
import { LlmGenerator } from '../../src/answer/llm-generator.js';
import { createApp, type EngineHolder, mountOpenAiRoutes, startServer } from '../../src/server/index.js';
import { expectExactCitations } from '../support/citations.js';
import { type FakeOpenAiServer, passageWith, startFakeOpenAi } from '../support/fake-openai-server.js';
import { buildTestIndex } from '../support/test-index.js';

const QUESTION = 'Which Hamas leader was killed by the Israeli military?';
const logged: string[] = [];

let index: Awaited<ReturnType<typeof buildTestIndex>>;
let holder: EngineHolder;
let app: Hono;
let server: Awaited<ReturnType<typeof startServer>>;
let client: OpenAI;

function footnoteApp(target: EngineHolder): Hono {
  return createApp({
    holder: target,
    log: (line) => logged.push(line),
    extend: (routes) => mountOpenAiRoutes(routes, { holder: target, log: (line) => logged.push(line) }),
  });
}

beforeAll(async () => {
  index = await buildTestIndex();
  holder = { engine: await index.open() };
  app = footnoteApp(holder);
  server = await startServer(app, { port: 0, log: () => {} });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await index.remove();
});

describe('/v1 with the official openai client', () => {
  it('lists the footnote model', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['footnote']);
    expect((await client.models.retrieve('footnote')).id).toBe('footnote');
  });

  it('answers a chat completion with footnote markers, citations on the message and usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(completion.object).toBe('chat.completion');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content).toContain('Ahmed Jabari');
    expect(choice.message.content).toMatch(/\[1\]/);
    const citations = (choice.message as unknown as { citations: Citation[] }).citations;
    expect(citations.length).toBeGreaterThan(0);
    expect(citations[0]).toMatchObject({ n: 1, source: '002_c15813028621ca03.txt' });
    await expectExactCitations(holder.engine!, citations);
    expect(completion.usage!.completion_tokens).toBe(Math.ceil(choice.message.content!.length / 4));
    expect(completion.usage!.prompt_tokens).toBe(3 + Math.ceil(QUESTION.length / 4));
    expect(completion.usage!.total_tokens).toBe(
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    );
  });

  it('streams chat.completion.chunk frames whose deltas add up to the answer, with citations on the final chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: QUESTION }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let finalChunk: (OpenAI.Chat.Completions.ChatCompletionChunk & { citations?: Citation[] }) | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? '';
      if (choice.finish_reason) finalChunk = chunk;
    }
    expect(ids.size).toBe(1);
    expect(finalChunk?.choices[0]?.finish_reason).toBe('stop');
    const completion = await client.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(content).toBe(completion.choices[0]!.message.content);
    expect(finalChunk!.citations).toEqual(
      (completion.choices[0]!.message as unknown as { citations: Citation[] }).citations,
    );
    expect(usage?.completion_tokens).toBe(Math.ceil(content.length / 4));
  });

  it('ends the raw SSE stream with data: [DONE]', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'footnote',
        stream: true,
        messages: [{ role: 'user', content: QUESTION }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.every((frame) => frame.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(frames[0]!.slice(6)).choices[0].delta.role).toBe('assistant');
  });

  it('answers the last user turn using the earlier turns as context', async () => {
    const completion = await client.chat.completions.create({
      model: 'footnote',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: 'The Israeli military killed Hamas leader Ahmed Jabari. [1]' },
        { role: 'user', content: 'What did Hamas say about the attack?' },
      ],
    });
    expect(completion.choices[0]!.message.content).toContain('gates of hell');
  });

  it('refuses, with no citations, when the corpus does not answer', async () => {
    const completion = await client.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: 'What is the boiling point of liquid nitrogen in kelvin?' }],
    });
    expect(completion.choices[0]!.message.content).toBe("I couldn't find this in the corpus.");
    expect((completion.choices[0]!.message as unknown as { citations: Citation[] }).citations).toEqual([]);
    const { footnote } = completion as unknown as { footnote: { grounded: boolean; confidence: number } };
    expect(footnote.grounded).toBe(false);
    expect(footnote.confidence).toBeGreaterThanOrEqual(0);
    expect(footnote.confidence).toBeLessThan(1);
  });

  it('rejects parameters it cannot honour the way OpenAI does, naming the parameter', async () => {
    const error = await client.chat.completions
      .create({ model: 'footnote', messages: [{ role: 'user', content: QUESTION }], n: 2 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.status).toBe(400);
    expect(badRequest.type).toBe('invalid_request_error');
    expect(badRequest.param).toBe('n');
    const missing = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] })
      .catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});

describe('/v1 with LangChain ChatOpenAI', () => {
  it('invokes and streams against Footnote', async () => {
    const model = new ChatOpenAI({
      model: 'footnote',
      apiKey: 'unused',
      configuration: { baseURL: `${server.url}/v1` },
      maxRetries: 0,
    });
    const message = await model.invoke([
      ['system', 'Answer from the corpus.'],
      ['human', QUESTION],
    ]);
    expect(message.text).toContain('Ahmed Jabari');
    expect(message.text).toMatch(/\[1\]/);
    let streamed = '';
    for await (const chunk of await model.stream(QUESTION)) streamed += chunk.text;
    expect(streamed).toBe(message.text);
  });
});

describe('/v1 errors in the OpenAI shape', () => {
  const post = (body: unknown, init: RequestInit = {}) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
  const user = [{ role: 'user', content: QUESTION }];

  it.each([
    [
      'an unknown parameter',
      { model: 'footnote', messages: user, frobnicate: true },
      'frobnicate',
      /Unrecognized request argument supplied: frobnicate/,
    ],
    ['a missing model', { messages: user }, 'model', /Missing required parameter: 'model'/],
    ['missing messages', { model: 'footnote' }, 'messages', /Missing required parameter: 'messages'/],
    ['empty messages', { model: 'footnote', messages: [] }, 'messages', /empty array/],
    [
      'a bad role',
      { model: 'footnote', messages: [{ role: 'robot', content: 'hi' }] },
      'messages[0].role',
      /'system', 'developer', 'user' or 'assistant'/,
    ],
    [
      'a tool message',
      { model: 'footnote', messages: [...user, { role: 'tool', content: '{}', tool_call_id: 'x' }] },
      'messages[1].role',
      /never calls tools/,
    ],
    [
      'no user message',
      { model: 'footnote', messages: [{ role: 'system', content: 'Be brief.' }] },
      'messages',
      /user message/,
    ],
    [
      'an image part',
      {
        model: 'footnote',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: QUESTION },
              { type: 'image_url', image_url: { url: 'data:,' } },
            ],
          },
        ],
      },
      'messages[0].content[1]',
      /only text parts/,
    ],
    [
      'a temperature out of range',
      { model: 'footnote', messages: user, temperature: 5 },
      'temperature',
      /between 0 and 2/,
    ],
    [
      'stream given as a string',
      { model: 'footnote', messages: user, stream: 'yes' },
      'stream',
      /expected a boolean/,
    ],
    [
      'stream_options without stream',
      { model: 'footnote', messages: user, stream_options: { include_usage: true } },
      'stream_options',
      /only allowed when 'stream' is enabled/,
    ],
    [
      'tools',
      { model: 'footnote', messages: user, tools: [{ type: 'function', function: { name: 'f' } }] },
      'tools',
      /never calls tools/,
    ],
    [
      'a JSON response format',
      { model: 'footnote', messages: user, response_format: { type: 'json_object' } },
      'response_format',
      /only \{ "type": "text" \}/,
    ],
    ['k out of range', { model: 'footnote', messages: user, k: 500 }, 'k', /from 1 to 20/],
  ])('400 for %s', async (_name, body, param, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { message: string; type: string; param: string | null; code: string | null };
    };
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  });

  it('accepts and ignores sampling parameters, and accepts text content parts', async () => {
    const response = await post({
      model: 'footnote',
      messages: [{ role: 'user', content: [{ type: 'text', text: QUESTION }] }],
      temperature: 0.2,
      top_p: 1,
      max_tokens: 50,
      seed: 7,
      user: 'me',
      stop: ['\n'],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toContain('Ahmed Jabari');
  });

  it('400 for a body that is not JSON', async () => {
    const response = await post('{"model": "footnote",');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('404 in the OpenAI shape for other paths and methods under /v1', async () => {
    for (const [method, path] of [
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/embeddings'],
      ['GET', '/v1/models/gpt-4o'],
    ] as const) {
      const response = await app.request(path, { method });
      expect(response.status).toBe(404);
      const { error } = (await response.json()) as { error: { type: string; message: string } };
      expect(error.type).toBe('invalid_request_error');
      expect(error.message.length).toBeGreaterThan(0);
    }
  });

  it('503 server_error when there is no index yet', async () => {
    const empty = footnoteApp({});
    const response = await empty.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'footnote', messages: user }),
    });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(error).toMatchObject({ type: 'server_error', code: 'index_missing' });
    expect(error.message).toMatch(/footnote ingest/);
  });
});

describe('/v1 with the LLM generator behind it', () => {
  let fake: FakeOpenAiServer;
  let llmServer: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    fake = await startFakeOpenAi((request) => {
      const n = passageWith(request, 'Ahmed Jabari');
      return {
        text: `The Israeli military killed Hamas leader Ahmed Jabari [${n}]. He was later awarded the Nobel Peace Prize in Oslo [${n}][8].`,
        chunkSize: 4,
      };
    });
    const llmHolder: EngineHolder = {
      engine: await index.open({
        generator: (extractive) =>
          new LlmGenerator(extractive, { baseUrl: fake.baseUrl, model: 'fake-model', retries: 0 }),
      }),
    };
    llmServer = await startServer(footnoteApp(llmHolder), { port: 0, log: () => {} });
  });
  afterAll(async () => {
    await llmServer.close();
    await fake.close();
  });

  it('streams the model answer as checked sentences, with unsupported ones flagged on the final chunk', async () => {
    const llmClient = new OpenAI({ baseURL: `${llmServer.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await llmClient.chat.completions.create({
      model: 'footnote',
      messages: [{ role: 'user', content: QUESTION }],
      stream: true,
    });
    const deltas: string[] = [];
    let last:
      | (OpenAI.Chat.Completions.ChatCompletionChunk & {
          citations?: Citation[];
          footnote?: { generator: string; unsupported?: string[] };
        })
      | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.choices[0]?.finish_reason) last = chunk;
    }
    expect(deltas.join('')).toBe(
      'The Israeli military killed Hamas leader Ahmed Jabari [1]. He was later awarded the Nobel Peace Prize in Oslo [1].',
    );
    expect(last!.footnote).toMatchObject({
      generator: 'llm:fake-model',
      unsupported: ['He was later awarded the Nobel Peace Prize in Oslo [1].'],
    });
    expect(last!.citations!.map((citation) => citation.n)).toEqual([1]);
    await expectExactCitations(holder.engine!, last!.citations!);
  });
});
