import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerStreamPart } from '../../src/answer/index.js';
import { REFUSAL } from '../../src/answer/index.js';
import { LlmGenerator, type LlmGeneratorOptions } from '../../src/answer/llm-generator.js';
import type { Engine } from '../../src/engine.js';
import { expectExactCitations } from '../support/citations.js';
import {
  type FakeOpenAiServer,
  type FakeReply,
  isCondenseRequest,
  passageWith,
  promptPassages,
  type RecordedRequest,
  refusedBaseUrl,
  startFakeOpenAi,
} from '../support/fake-openai-server.js';
import { buildTestIndex } from '../support/test-index.js';
import { runGeneratorContract } from './generator.case.js';

const QUESTION = 'Which Hamas leader was killed by the Israeli military?';

let index: Awaited<ReturnType<typeof buildTestIndex>>;
let fake: FakeOpenAiServer;
let script: (request: RecordedRequest, index: number) => FakeReply;
const errors: string[] = [];

beforeAll(async () => {
  index = await buildTestIndex();
  fake = await startFakeOpenAi((request, count) => script(request, count));
});
afterAll(async () => {
  await fake.close();
  await index.remove();
});
afterEach(() => {
  fake.requests.length = 0;
  errors.length = 0;
});

function openEngine(options: Partial<LlmGeneratorOptions> = {}): Promise<Engine> {
  return index.open({
    generator: (extractive) =>
      new LlmGenerator(extractive, {
        baseUrl: fake.baseUrl,
        model: 'fake-model',
        apiKey: 'test-key',
        timeoutMs: 1000,
        retries: 2,
        retryDelayMs: 20,
        cooldownMs: 0,
        onError: (line) => errors.push(line),
        ...options,
      }),
  });
}

async function collect(
  engine: Engine,
  question = QUESTION,
  history: Array<{ role: 'user' | 'assistant'; content: string }> = [],
): Promise<AnswerStreamPart[]> {
  const parts: AnswerStreamPart[] = [];
  for await (const part of engine.askStream({ question, history })) parts.push(part);
  return parts;
}

function answerOf(parts: AnswerStreamPart[]) {
  const finish = parts.find((part) => part.type === 'finish');
  if (finish?.type !== 'finish') throw new Error('no finish part');
  return finish.answer;
}

const goodAnswer = (request: RecordedRequest) => {
  const n = passageWith(request, 'Ahmed Jabari');
  return `The Israeli military killed Hamas leader Ahmed Jabari while he was traveling in a car [${n}]. Hamas said Israel had “opened the gates of hell” with the attack [${n}].`;
};

describe('LlmGenerator', () => {
  it('streams a supported answer sentence by sentence, with exact citations and the model in the generator id', async () => {
    script = (request) => ({ text: `\n${goodAnswer(request)}\n`, chunkSize: 5 });
    const engine = await openEngine();
    expect(engine.generatorId).toBe('llm:fake-model');
    const parts = await collect(engine);
    const answer = answerOf(parts);
    expect(answer.generator).toBe('llm:fake-model');
    expect(answer.answer).toBe(
      'The Israeli military killed Hamas leader Ahmed Jabari while he was traveling in a car [1]. Hamas said Israel had “opened the gates of hell” with the attack [1].',
    );
    expect(answer.unsupported).toBeUndefined();
    expect(answer.notice).toBeUndefined();
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((part) => part.text).join('')).toBe(answer.answer);
    expect(answer.citations).toHaveLength(1);
    const citation = answer.citations[0]!;
    expect(citation.quote).toBe(
      'Last week, as part of its Operation Pillar of Defense, the Israeli military killed Hamas leader Ahmed Jabari while he was traveling in a car.',
    );
    await expectExactCitations(engine, [citation]);

    // The prompt holds the retrieved passages, numbered, and the question.
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.body.stream).toBe(true);
    expect(request.body.model).toBe('fake-model');
    expect(request.authorization).toBe('Bearer test-key');
    const prompted = promptPassages(request);
    expect([...prompted.values()]).toEqual(answer.passages.map((passage) => passage.text.trim()));
    expect(request.body.messages.at(-1)).toEqual({ role: 'user', content: QUESTION });
    expect(request.body.messages[0]!.content).toMatch(/cite|\[1\]/i);
  });

  it('removes markers to passages that do not exist and flags sentences the passages do not support', async () => {
    script = (request) => {
      const n = passageWith(request, 'Ahmed Jabari');
      return {
        text: `Hamas leader Ahmed Jabari was killed by the Israeli military [${n}][9]. The strike was ordered personally by President Barack Obama from the White House [${n}]. Jabari had led Hamas since 1987 [12].`,
      };
    };
    const answer = answerOf(await collect(await openEngine()));
    expect(answer.answer).not.toMatch(/\[9\]|\[12\]/);
    expect(answer.answer).toContain('Hamas leader Ahmed Jabari was killed by the Israeli military [1].');
    expect(answer.unsupported).toEqual([
      'The strike was ordered personally by President Barack Obama from the White House [1].',
      'Jabari had led Hamas since 1987.',
    ]);
    expect(answer.citations.map((citation) => citation.n)).toEqual([1]);
    expect(answer.generator).toBe('llm:fake-model');
  });

  it('falls back to the extractive answer, with a notice, when no sentence is supported', async () => {
    script = () => ({
      text: 'The leader was Yasser Arafat, who died in Paris [1]. He was succeeded by Mahmoud Abbas [2].',
    });
    const parts = await collect(await openEngine());
    const answer = answerOf(parts);
    expect(answer.generator).toBe('extractive');
    expect(answer.answer).toContain('Ahmed Jabari');
    expect(answer.answer).not.toContain('Arafat');
    expect(answer.notice).toMatch(/not supported by the passages/);
    // Nothing of the rejected answer was streamed.
    expect(
      parts
        .filter((part) => part.type === 'text-delta')
        .map((part) => part.text)
        .join(''),
    ).not.toContain('Arafat');
  });

  it('says so when the model finds no answer in the passages, and quotes the best sentences instead', async () => {
    script = () => ({ text: "I couldn't find this in the passages." });
    const answer = answerOf(await collect(await openEngine()));
    expect(answer.generator).toBe('extractive');
    expect(answer.notice).toMatch(/found no answer in the passages/);
    expect(answer.citations.length).toBeGreaterThan(0);
  });

  it('retries a failing endpoint with backoff and uses the answer once it recovers', async () => {
    script = (request, count) => (count < 2 ? { status: 503 } : { text: goodAnswer(request) });
    const started = performance.now();
    const answer = answerOf(await collect(await openEngine()));
    expect(answer.generator).toBe('llm:fake-model');
    expect(fake.requests).toHaveLength(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(20 + 40);
    expect(errors.filter((line) => line.includes('retrying'))).toHaveLength(2);
  });

  it('answers extractively with a notice when the endpoint keeps failing', async () => {
    script = () => ({ status: 500 });
    const answer = answerOf(await collect(await openEngine()));
    expect(fake.requests).toHaveLength(3);
    expect(answer.generator).toBe('extractive');
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain('Ahmed Jabari');
    expect(answer.notice).toMatch(/could not answer \(HTTP 500\)/);
  });

  it('does not retry an error the user must fix (unknown model) and says what to check', async () => {
    script = () => ({ status: 404, message: 'model "fake-model" not found' });
    const answer = answerOf(await collect(await openEngine()));
    expect(fake.requests).toHaveLength(1);
    expect(answer.notice).toMatch(/FOOTNOTE_LLM_MODEL/);
  });

  it('times out a model that stalls, without retrying, and answers extractively', async () => {
    script = () => ({ stallMs: 3000 });
    const started = performance.now();
    const answer = answerOf(await collect(await openEngine({ timeoutMs: 300 })));
    expect(performance.now() - started).toBeLessThan(2500);
    expect(fake.requests).toHaveLength(1);
    expect(answer.generator).toBe('extractive');
    expect(answer.notice).toMatch(/no response within 0.3 s/);
  });

  it('times out a stream that stops between tokens', async () => {
    script = (request) => ({ text: goodAnswer(request), chunkSize: 40, tokenDelayMs: 400 });
    const answer = answerOf(await collect(await openEngine({ timeoutMs: 200 })));
    expect(answer.generator).toBe('extractive');
    expect(answer.notice).toMatch(/no response within 0.2 s/);
  });

  it('answers extractively when nothing listens at the base URL, and then skips the LLM while it cools down', async () => {
    const engine = await openEngine({ baseUrl: await refusedBaseUrl(), cooldownMs: 60_000 });
    const first = answerOf(await collect(engine));
    expect(first.generator).toBe('extractive');
    expect(first.notice).toMatch(/connection refused/);
    expect(errors.filter((line) => line.includes('retrying'))).toHaveLength(2);
    const started = performance.now();
    const second = answerOf(await collect(engine));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(second.notice).toMatch(/failed moments ago/);
    expect(errors.filter((line) => line.includes('retrying'))).toHaveLength(2);
  });

  const history = [
    { role: 'user' as const, content: QUESTION },
    { role: 'assistant' as const, content: 'The Israeli military killed Hamas leader Ahmed Jabari [1].' },
  ];
  const STANDALONE = 'What did Hamas say about the Israeli attack that killed Ahmed Jabari?';

  it('condenses a follow-up into a standalone question and retrieves with it', async () => {
    script = (request) => {
      if (isCondenseRequest(request)) return { text: `Standalone question: ${STANDALONE}\n` };
      const n = passageWith(request, 'gates of hell');
      return { text: `Hamas said Israel had “opened the gates of hell” with the attack [${n}].` };
    };
    const parts = await collect(await openEngine(), 'What did they say about it?', history);
    const retrieval = parts.find((part) => part.type === 'retrieval-end');
    expect(retrieval?.type === 'retrieval-end' && retrieval.query).toBe(STANDALONE);
    expect(answerOf(parts).answer).toBe(
      'Hamas said Israel had “opened the gates of hell” with the attack [1].',
    );

    const [condense, answer] = fake.requests;
    expect(isCondenseRequest(condense!)).toBe(true);
    expect(condense!.body.messages[0]!.content).toContain(`User: ${QUESTION}`);
    expect(condense!.body.messages[0]!.content).toContain('Follow-up question: What did they say about it?');
    // The answer prompt carries the conversation (old markers stripped) and the question as asked.
    expect(answer!.body.messages.slice(1)).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: 'The Israeli military killed Hamas leader Ahmed Jabari.' },
      { role: 'user', content: 'What did they say about it?' },
    ]);
  });

  it('still answers a follow-up when condensing fails, retrieving with the history instead', async () => {
    script = (request) => {
      if (isCondenseRequest(request)) return { status: 400, message: 'bad request' };
      return {
        text: `Hamas said Israel had “opened the gates of hell” with the attack [${passageWith(request, 'gates of hell')}].`,
      };
    };
    // A follow-up that refers back ("it") draws on the history when the LLM cannot condense it.
    const parts = await collect(await openEngine(), 'What did Hamas say about it?', history);
    const retrieval = parts.find((part) => part.type === 'retrieval-end');
    expect(retrieval?.type === 'retrieval-end' && retrieval.query).toContain('in the context of');
    expect(answerOf(parts).generator).toBe('llm:fake-model');
    expect(fake.requests).toHaveLength(2);
  });

  it('refuses a question the corpus does not answer without calling the model', async () => {
    script = () => ({ text: 'Paris is the capital of France [1].' });
    const answer = answerOf(
      await collect(await openEngine(), 'What is the boiling point of liquid nitrogen in kelvin?'),
    );
    expect(answer.answer).toBe(REFUSAL);
    expect(answer.grounded).toBe(false);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a near miss exactly where the extractive generator does, with the same confidence', async () => {
    script = () => ({ text: 'Sergey Lavrov is 63 years old [1].' });
    const question = 'How old is Sergey Lavrov?';
    const extractive = await (await index.open()).ask({ question });
    const answer = answerOf(await collect(await openEngine(), question));
    expect(extractive.grounded).toBe(false);
    expect(answer.grounded).toBe(false);
    expect(answer.confidence).toBe(extractive.confidence);
    expect(fake.requests).toHaveLength(0);
  });
});

runGeneratorContract('LlmGenerator (fake OpenAI server)', (extractive) => {
  script = (request) => ({ text: goodAnswer(request) });
  return new LlmGenerator(extractive, {
    baseUrl: fake.baseUrl,
    model: 'fake-model',
    retries: 0,
    cooldownMs: 0,
    onError: (line) => errors.push(line),
  });
});
