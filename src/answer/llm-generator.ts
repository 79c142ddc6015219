import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder, PromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import { FootnoteError } from '../errors.js';
import type { ChatTurn } from '../types.js';
import type { GenerateInput, Generator, GeneratorPart } from './types.js';
import { AnswerVerifier, type CheckedSentence, SentenceSplitter } from './verify-answer.js';

/** Where the LLM is and how the LLM generator calls it, retries and checks its answer. */
export interface LlmGeneratorOptions {
  /** Any OpenAI-compatible API, e.g. `http://localhost:11434/v1` (Ollama) or `http://localhost:8080/v1` (llama.cpp). */
  baseUrl: string;
  /** Model name as the server knows it, e.g. `llama3.2:3b`. */
  model: string;
  /** Sent as the bearer token; local servers ignore it. @default 'not-needed' */
  apiKey: string;
  /**
   * Longest wait for the first token and then between two tokens. Below the server's request
   * timeout (30 s), so a slow model still ends in the extractive answer rather than a 408.
   * @default 20000
   */
  timeoutMs: number;
  /** Further attempts after a quick failure (connection refused or reset, 5xx, 429). @default 2 */
  retries: number;
  /** Wait before the first retry, doubled before each further one. @default 500 */
  retryDelayMs: number;
  /** After a call failed for good (or timed out), skip the LLM for this long: answers are extractive at once. @default 30000 */
  cooldownMs: number;
  /** @default 0 */
  temperature: number;
  /** @default 512 */
  maxTokens: number;
  /** Share of a sentence's content terms its cited passages must hold. @default 0.5 */
  minSupport: number;
  /** Earlier conversation turns sent to the model. @default 6 */
  historyTurns: number;
  /** Folder holding `answer.txt` and `condense.txt`. @default `<package>/prompts` */
  promptsDirectory: string;
  /** Where LLM failures are reported in full (the answer itself only gets a short notice). @default ignore */
  onError: (message: string) => void;
}

/** The defaults of `LlmGeneratorOptions` (everything but the endpoint and the model). */
export const defaultLlmGeneratorOptions: Omit<LlmGeneratorOptions, 'baseUrl' | 'model'> = {
  apiKey: 'not-needed',
  timeoutMs: 20_000,
  retries: 2,
  retryDelayMs: 500,
  cooldownMs: 30_000,
  temperature: 0,
  maxTokens: 512,
  minSupport: 0.5,
  historyTurns: 6,
  promptsDirectory: fileURLToPath(new URL('../../prompts/', import.meta.url)),
  onError: () => {},
};

/** The model did not send a token in time. */
class LlmTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs / 1000} s`);
    this.name = 'LlmTimeoutError';
  }
}

/**
 * Writes answers with a chat model behind any OpenAI-compatible API (LangChain's `ChatOpenAI`),
 * from the numbered passages only, and checks them before they reach the user: markers to no
 * passage are dropped, every sentence's support in the passages it cites is scored
 * ({@link AnswerVerifier}), unsupported sentences are listed in `unsupported`, and citations
 * quote the best-supporting sentence of each cited passage exactly.
 *
 * Streaming is sentence by sentence: nothing is shown until the first supported sentence, so
 * the user never sees text that is later taken back. When no sentence is supported, or the
 * endpoint is down (after retries with backoff), the answer is the extractive one with a
 * `notice`; the request never fails because of the LLM.
 *
 * @example
 * new LlmGenerator(new ExtractiveGenerator(), { baseUrl: 'http://localhost:11434/v1', model: 'llama3.2:3b' })
 */
export class LlmGenerator implements Generator {
  readonly id: string;
  readonly options: LlmGeneratorOptions;
  private readonly model: ChatOpenAI;
  private readonly answerPrompt: ChatPromptTemplate;
  private readonly condensePrompt: PromptTemplate;
  private unavailableUntil = 0;

  constructor(
    private readonly fallback: Generator,
    options: Partial<LlmGeneratorOptions> & Pick<LlmGeneratorOptions, 'baseUrl' | 'model'>,
  ) {
    this.options = { ...defaultLlmGeneratorOptions, ...options };
    this.id = `llm:${this.options.model}`;
    this.model = new ChatOpenAI({
      model: this.options.model,
      apiKey: this.options.apiKey,
      configuration: { baseURL: this.options.baseUrl },
      temperature: this.options.temperature,
      maxTokens: this.options.maxTokens,
      // Retries and timeouts are ours: LangChain's backoff starts at 1 s and cannot be tuned.
      maxRetries: 0,
      streamUsage: false,
    });
    this.answerPrompt = ChatPromptTemplate.fromMessages([
      ['system', readPrompt(this.options.promptsDirectory, 'answer.txt', ['passages', 'passage_numbers'])],
      new MessagesPlaceholder('history'),
      ['human', '{question}'],
    ]);
    this.condensePrompt = PromptTemplate.fromTemplate(
      readPrompt(this.options.promptsDirectory, 'condense.txt', ['history', 'question']),
    );
  }

  /**
   * Rewrites a follow-up ("What did he say next?") into a standalone question for retrieval.
   * Throws when the model cannot be reached; the caller then retrieves with the history instead.
   */
  readonly condense = async (
    question: string,
    history: ChatTurn[],
    signal?: AbortSignal,
  ): Promise<string> => {
    const turns = history
      .filter((turn) => turn.role !== 'system')
      .slice(-this.options.historyTurns)
      .map((turn) => `${turn.role === 'user' ? 'User' : 'Assistant'}: ${withoutMarkers(turn.content)}`);
    const prompt = await this.condensePrompt.format({ history: turns.join('\n'), question });
    let text = '';
    for await (const token of this.stream([new HumanMessage(prompt)], signal)) text += token;
    const line = text
      .split('\n')
      .map((candidate) => candidate.replace(/^\s*(standalone question\s*:)?\s*["'“]?|["'”]?\s*$/gi, ''))
      .find((candidate) => candidate.length > 0);
    return line && line.length <= Math.max(500, question.length * 4) ? line : question;
  };

  async *generate(input: GenerateInput): AsyncGenerator<GeneratorPart> {
    const messages = await this.answerPrompt.formatMessages({
      passages: input.passages
        .map(
          (passage, index) => `[${index + 1}] ${passage.title} (${passage.source})\n${passage.text.trim()}`,
        )
        .join('\n\n'),
      passage_numbers: input.passages.map((_passage, index) => `[${index + 1}]`).join(', '),
      history: input.history
        .filter((turn) => turn.role !== 'system')
        .slice(-this.options.historyTurns)
        .map((turn) =>
          turn.role === 'user' ? new HumanMessage(turn.content) : new AIMessage(withoutMarkers(turn.content)),
        ),
      question: input.question,
    });
    const verifier = new AnswerVerifier(input.passages, { minSupport: this.options.minSupport });
    const splitter = new SentenceSplitter();
    const held: CheckedSentence[] = [];
    let shown = '';
    let supported = false;
    const take = function* (segments: string[]): Iterable<GeneratorPart> {
      for (const segment of segments) {
        const sentence = verifier.check(segment);
        held.push(sentence);
        supported ||= sentence.verdict === 'supported';
        if (!supported) continue;
        for (const ready of held.splice(0)) {
          const text = shown === '' ? ready.text.trimStart() : ready.text;
          yield { type: 'text-delta', text };
          shown += text;
        }
      }
    };

    let failure: string | undefined;
    try {
      for await (const token of this.stream(messages, input.signal)) yield* take(splitter.push(token));
      yield* take(splitter.end().map((segment) => segment.trimEnd()));
    } catch (error) {
      // Stopped by the caller: report it as the abort it is, not as the connection error it caused.
      if (input.signal?.aborted) throw input.signal.reason ?? error;
      failure = describeFailure(error);
      this.options.onError(`llm ${this.options.model} at ${this.options.baseUrl}: ${failure}`);
    }

    if (!supported) {
      const notice = failure
        ? `The language model (${this.options.model}) could not answer (${failure}), so this answer quotes the passages directly.`
        : verifier.sentences.some((sentence) => sentence.saysNotFound)
          ? `The language model (${this.options.model}) found no answer in the passages; these are the passages' best-matching sentences.`
          : `The language model's answer was not supported by the passages it cited, so this answer quotes the passages directly.`;
      yield* this.answerWithFallback(input, notice);
      return;
    }
    const citations = verifier.citations(input.sourceOf);
    for (const citation of citations) yield { type: 'citation', citation };
    const unsupported = verifier.unsupported;
    yield {
      type: 'verdict',
      verdict: {
        generator: this.id,
        ...(unsupported.length > 0 ? { unsupported } : {}),
        ...(failure
          ? { notice: `The language model stopped before finishing its answer (${failure}).` }
          : {}),
      },
    };
  }

  private async *answerWithFallback(input: GenerateInput, notice: string): AsyncGenerator<GeneratorPart> {
    let generator = this.fallback.id;
    for await (const part of this.fallback.generate(input)) {
      if (part.type === 'verdict') generator = part.verdict.generator;
      else yield part;
    }
    yield { type: 'verdict', verdict: { generator, notice } };
  }

  /** Streams the model's tokens, retrying (with backoff) only while nothing has been received. */
  private async *stream(messages: BaseMessage[], signal: AbortSignal | undefined): AsyncGenerator<string> {
    if (Date.now() < this.unavailableUntil) {
      throw new FootnoteError(
        'llm_unavailable',
        `it failed moments ago; it will be tried again in ${Math.ceil((this.unavailableUntil - Date.now()) / 1000)} s`,
      );
    }
    for (let attempt = 0; ; attempt++) {
      let received = false;
      try {
        for await (const token of this.streamOnce(messages, signal)) {
          received = true;
          yield token;
        }
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (received || attempt >= this.options.retries || !isRetryable(error)) {
          if (!received && (isRetryable(error) || error instanceof LlmTimeoutError))
            this.unavailableUntil = Date.now() + this.options.cooldownMs;
          throw error;
        }
        const delay = this.options.retryDelayMs * 2 ** attempt;
        this.options.onError(
          `llm ${this.options.model}: attempt ${attempt + 1} failed (${describeFailure(error)}); retrying in ${delay} ms`,
        );
        await sleep(delay, signal);
      }
    }
  }

  private async *streamOnce(
    messages: BaseMessage[],
    signal: AbortSignal | undefined,
  ): AsyncGenerator<string> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // A signal aborted before the call never fires its event: stop at once.
    if (signal?.aborted) onAbort();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer = setTimeout(
        () => controller.abort(new LlmTimeoutError(this.options.timeoutMs)),
        this.options.timeoutMs,
      );
    };
    try {
      arm();
      const stream = await this.model.stream(messages, { signal: controller.signal });
      for await (const chunk of stream) {
        clearTimeout(timer);
        if (chunk.text) yield chunk.text;
        arm();
      }
    } catch (error) {
      throw controller.signal.reason instanceof LlmTimeoutError ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }
}

function readPrompt(directory: string, name: string, variables: string[]): string {
  const file = path.join(directory, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FootnoteError(
      'internal',
      `prompt template ${name} is missing from ${directory}; it ships in Footnote's prompts/ folder`,
      { cause: error },
    );
  }
  const missing = variables.filter((variable) => !text.includes(`{${variable}}`));
  if (missing.length > 0)
    throw new FootnoteError(
      'internal',
      `prompt template ${name} must contain ${missing.map((variable) => `{${variable}}`).join(' and ')}`,
    );
  return text.trim();
}

function withoutMarkers(text: string): string {
  return text.replace(/\s*\[\d+(?:\s*,\s*\d+)*\]/g, '');
}

/** HTTP status of an OpenAI client error, if it has one. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Quick failures (connection refused or reset, 5xx, 429) are retried; a timeout is not, since the
 * attempt already used the whole time budget and a slow server rarely gets faster.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof LlmTimeoutError) return false;
  const status = statusOf(error);
  if (status === undefined) return !(error instanceof FootnoteError);
  return status >= 500 || status === 429 || status === 408;
}

/** A short reason for a user-facing notice: no URLs, no stack. */
function describeFailure(error: unknown): string {
  if (error instanceof LlmTimeoutError || error instanceof FootnoteError) return error.message;
  const status = statusOf(error);
  if (status === 404)
    return 'HTTP 404: the model or the API path was not found; check FOOTNOTE_LLM_MODEL and that FOOTNOTE_LLM_BASE_URL ends in /v1';
  if (status === 401 || status === 403)
    return `HTTP ${status}: the endpoint refused the API key; check FOOTNOTE_LLM_API_KEY`;
  if (status !== undefined) return `HTTP ${status}`;
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  }
  return 'the endpoint could not be reached';
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
