import { randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Answer } from '../answer/index.js';
import type { Engine } from '../engine.js';
import { FootnoteError } from '../errors.js';
import type { RetrieverMode } from '../retrieve/index.js';
import type { ChatTurn } from '../types.js';
import { requestSignal } from './access.js';
import type { EngineHolder } from './app.js';
import { clientWentAway } from './http-errors.js';
import { bodySizeLimit, defaultRequestLimits, type RequestLimits } from './schemas.js';

/** The one model this server lists and answers as. */
export const OPENAI_MODEL_ID = 'footnote';

/** What the OpenAI-compatible routes answer from. */
export interface OpenAiRoutesOptions {
  holder: EngineHolder;
  /** Where server-side errors are written. */
  log: (line: string) => void;
  /** @default defaultRequestLimits */
  limits?: RequestLimits;
}

/** The body of every error under `/v1`, as OpenAI's API sends it. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * Parameters of OpenAI's chat completions API that are accepted and ignored: sampling and
 * length settings mean nothing to an answer quoted from the corpus (an LLM generator uses its
 * own settings), and the rest are bookkeeping.
 */
const IGNORED_PARAMETERS = new Set([
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'stop',
  'user',
  'metadata',
  'store',
  'logit_bias',
  'top_logprobs',
  'service_tier',
  'parallel_tool_calls',
  'reasoning_effort',
  'verbosity',
  'prompt_cache_key',
  'safety_identifier',
  'modalities',
  'tool_choice',
]);
/** Accepted and used: the protocol's own, plus Footnote's `k` and `mode` (as on /api/chat). */
const USED_PARAMETERS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'response_format',
  'logprobs',
  'tools',
  'functions',
  'function_call',
  'audio',
  'prediction',
  'web_search_options',
  'k',
  'mode',
]);

interface CompletionRequest {
  question: string;
  history: ChatTurn[];
  stream: boolean;
  includeUsage: boolean;
  k?: number;
  mode?: RetrieverMode;
  /** Approximate tokens of the request's messages. */
  promptTokens: number;
}

/**
 * Mounts an OpenAI-compatible API under `/v1`, so the official SDKs, LangChain's `ChatOpenAI`
 * and chat front ends can talk to Footnote:
 *
 * - `GET /v1/models` lists one model, `footnote` (`GET /v1/models/footnote` describes it).
 * - `POST /v1/chat/completions` answers the last user message from the corpus, with the earlier
 *   messages as conversation history. The content keeps Footnote's `[n]` markers, and the
 *   citations (the same objects as `/api/ask` returns) ride along: on `choices[0].message.citations`
 *   without streaming, and on the final chunk (the one with `finish_reason`) as `citations` with
 *   `stream: true`. A `footnote` object beside them says whether the answer is grounded, its `confidence`, which
 *   generator wrote it, and any `unsupported` sentences or `notice`.
 *
 * Unknown parameters get OpenAI's 400 ("Unrecognized request argument supplied"); known ones
 * Footnote cannot honour (`n` > 1, tools, JSON response formats, logprobs, audio) get a 400
 * naming the parameter; sampling settings are accepted and ignored. Every error under `/v1` has
 * OpenAI's shape `{ error: { message, type, param, code } }`.
 */
export function mountOpenAiRoutes(app: Hono, options: OpenAiRoutesOptions): void {
  const limits = options.limits ?? defaultRequestLimits;
  const v1 = new Hono();
  v1.onError((error, c) => openAiErrorResponse(c, error, options.log));

  const engine = (): Engine => {
    const { engine: current, error } = options.holder;
    if (current) return current;
    throw error ?? new FootnoteError('index_missing', 'no index yet; run `footnote ingest` and try again');
  };

  const model = {
    id: OPENAI_MODEL_ID,
    object: 'model',
    created: Math.floor(Date.now() / 1000),
    owned_by: 'footnote',
  };
  v1.get('/models', (c) => c.json({ object: 'list', data: [model] }));
  v1.get('/models/:id', (c) => {
    if (c.req.param('id') !== OPENAI_MODEL_ID) throw modelNotFound(c.req.param('id'));
    return c.json(model);
  });

  const limit = bodySizeLimit(limits);

  v1.post('/chat/completions', limit, async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw openAiInvalid(
        'We could not parse the JSON body of your request. Send valid JSON (Content-Type: application/json).',
        null,
      );
    }
    const request = parseCompletionRequest(body, limits);
    const current = engine();
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const ask = {
      question: request.question,
      history: request.history,
      ...(request.k ? { k: request.k } : {}),
      ...(request.mode ? { mode: request.mode } : {}),
    };

    if (!request.stream) {
      const answer = await current.ask({ ...ask, signal: requestSignal(c) });
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model: OPENAI_MODEL_ID,
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: answer.answer,
              refusal: null,
              citations: answer.citations,
            },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage(request.promptTokens, answer.answer),
        footnote: footnoteFields(answer),
      });
    }

    const controller = new AbortController();
    requestSignal(c).addEventListener('abort', () => controller.abort());
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: OPENAI_MODEL_ID,
        system_fingerprint: null,
        choices,
        ...extra,
      });
    const delta = (content: string) =>
      chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]);
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      try {
        await stream.writeSSE({
          data: chunk([
            { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
          ]),
        });
        let streamed = '';
        for await (const part of current.askStream({ ...ask, signal: controller.signal })) {
          if (controller.signal.aborted) return;
          if (part.type === 'text-delta') {
            streamed += part.text;
            await stream.writeSSE({ data: delta(part.text) });
          } else if (part.type === 'finish') {
            const { answer } = part;
            // The stream must add up to the answer; send what the deltas did not carry.
            if (answer.answer !== streamed && answer.answer.startsWith(streamed.trimEnd())) {
              const rest = answer.answer.slice(streamed.trimEnd().length);
              if (rest) await stream.writeSSE({ data: delta(rest) });
            }
            await stream.writeSSE({
              data: chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], {
                citations: answer.citations,
                footnote: footnoteFields(answer),
              }),
            });
            if (request.includeUsage)
              await stream.writeSSE({
                data: chunk([], { usage: usage(request.promptTokens, answer.answer) }),
              });
          }
        }
        await stream.writeSSE({ data: '[DONE]' });
      } catch (error) {
        if (controller.signal.aborted) return;
        const response = openAiErrorResponse(c, error, options.log);
        await stream.writeSSE({ data: await response.text() });
      }
    });
  });

  // Anything else under /v1 gets OpenAI's "Invalid URL" 404, in OpenAI's shape.
  v1.all('*', (c) => {
    throw new FootnoteError(
      'not_found',
      `Invalid URL (${c.req.method} ${new URL(c.req.url).pathname}); this server offers GET /v1/models and POST /v1/chat/completions`,
    );
  });
  app.route('/v1', v1);
}

/**
 * Token counts for `usage`, approximated as one token per 4 characters (OpenAI's rule of thumb
 * for English) plus 3 per message for the role framing. No tokenizer is involved: extractive
 * answers have none, and an LLM generator's upstream tokenizer is unknown here.
 */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function usage(promptTokens: number, completion: string) {
  const completionTokens = approximateTokens(completion);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function footnoteFields(answer: Answer) {
  return {
    grounded: answer.grounded,
    confidence: answer.confidence,
    generator: answer.generator,
    ...(answer.unsupported ? { unsupported: answer.unsupported } : {}),
    ...(answer.notice ? { notice: answer.notice } : {}),
  };
}

function openAiInvalid(message: string, param: string | null, code: string | null = null): FootnoteError {
  return new FootnoteError('invalid_request', message, { details: { param, code } });
}

function modelNotFound(model: string): FootnoteError {
  return new FootnoteError(
    'not_found',
    `The model \`${model}\` does not exist; this server answers as \`${OPENAI_MODEL_ID}\` (see GET /v1/models).`,
    {
      details: { param: 'model', code: 'model_not_found' },
    },
  );
}

/** Validates a chat completions body the way OpenAI does, naming the offending parameter. */
function parseCompletionRequest(body: unknown, limits: RequestLimits): CompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw openAiInvalid('The request body must be a JSON object.', null);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!IGNORED_PARAMETERS.has(key) && !USED_PARAMETERS.has(key))
      throw openAiInvalid(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  for (const name of ['model', 'messages']) {
    if (fields[name] === undefined || fields[name] === null)
      throw openAiInvalid(`Missing required parameter: '${name}'.`, name, 'missing_required_parameter');
  }
  if (typeof fields.model !== 'string')
    throw openAiInvalid(
      `Invalid type for 'model': expected a string, but got ${typeName(fields.model)} instead.`,
      'model',
      'invalid_type',
    );
  if (fields.model !== OPENAI_MODEL_ID) throw modelNotFound(fields.model);

  const stream = fields.stream ?? false;
  if (typeof stream !== 'boolean')
    throw openAiInvalid(
      `Invalid type for 'stream': expected a boolean, but got ${typeName(stream)} instead.`,
      'stream',
      'invalid_type',
    );
  let includeUsage = false;
  if (fields.stream_options !== undefined && fields.stream_options !== null) {
    if (!stream)
      throw openAiInvalid(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        'invalid_value',
      );
    if (typeof fields.stream_options !== 'object')
      throw openAiInvalid(
        `Invalid type for 'stream_options': expected an object, but got ${typeName(fields.stream_options)} instead.`,
        'stream_options',
        'invalid_type',
      );
    includeUsage = (fields.stream_options as { include_usage?: unknown }).include_usage === true;
  }
  for (const [name, low, high] of [
    ['temperature', 0, 2],
    ['top_p', 0, 1],
    ['presence_penalty', -2, 2],
    ['frequency_penalty', -2, 2],
  ] as const) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw openAiInvalid(
        `Invalid type for '${name}': expected a number, but got ${typeName(value)} instead.`,
        name,
        'invalid_type',
      );
    if (value < low || value > high)
      throw openAiInvalid(
        `Invalid '${name}': must be between ${low} and ${high}, got ${value}.`,
        name,
        'invalid_value',
      );
  }
  for (const name of ['max_tokens', 'max_completion_tokens'] as const) {
    const value = fields[name];
    if (value !== undefined && value !== null && (!Number.isInteger(value) || (value as number) < 1))
      throw openAiInvalid(`Invalid '${name}': expected a whole number of at least 1.`, name, 'invalid_value');
  }

  // Known parameters that Footnote cannot honour: refusing is better than silently ignoring them.
  if (fields.n !== undefined && fields.n !== null && fields.n !== 1)
    throw openAiInvalid(
      `Invalid 'n': this server returns exactly one choice; send n=1 or leave it out.`,
      'n',
      'unsupported_value',
    );
  for (const name of ['tools', 'functions'] as const) {
    const value = fields[name];
    if (Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null) {
      throw openAiInvalid(
        `'${name}' is not supported: Footnote answers from its corpus and never calls tools.`,
        name,
        'unsupported_parameter',
      );
    }
  }
  if (
    fields.function_call !== undefined &&
    fields.function_call !== null &&
    fields.function_call !== 'none' &&
    fields.function_call !== 'auto'
  ) {
    throw openAiInvalid(
      "'function_call' is not supported: Footnote never calls functions.",
      'function_call',
      'unsupported_parameter',
    );
  }
  const format = fields.response_format as { type?: unknown } | undefined | null;
  if (format !== undefined && format !== null && format.type !== 'text') {
    throw openAiInvalid(
      `Invalid 'response_format': only { "type": "text" } is supported; answers are prose with footnotes.`,
      'response_format',
      'unsupported_value',
    );
  }
  if (fields.logprobs === true)
    throw openAiInvalid(
      "'logprobs' is not supported: answers are not sampled token by token.",
      'logprobs',
      'unsupported_parameter',
    );
  for (const name of ['audio', 'prediction', 'web_search_options'] as const) {
    if (fields[name] !== undefined && fields[name] !== null)
      throw openAiInvalid(`'${name}' is not supported by this server.`, name, 'unsupported_parameter');
  }

  let k: number | undefined;
  if (fields.k !== undefined && fields.k !== null) {
    if (!Number.isInteger(fields.k) || (fields.k as number) < 1 || (fields.k as number) > limits.maxK)
      throw openAiInvalid(
        `Invalid 'k': expected a whole number from 1 to ${limits.maxK}.`,
        'k',
        'invalid_value',
      );
    k = fields.k as number;
  }
  let mode: RetrieverMode | undefined;
  if (fields.mode !== undefined && fields.mode !== null) {
    if (fields.mode !== 'hybrid' && fields.mode !== 'bm25' && fields.mode !== 'dense')
      throw openAiInvalid(`Invalid 'mode': expected "hybrid", "bm25" or "dense".`, 'mode', 'invalid_value');
    mode = fields.mode;
  }

  const turns = parseMessages(fields.messages, limits);
  const last = turns.findLastIndex((turn) => turn.role === 'user');
  if (last === -1)
    throw openAiInvalid("'messages' must contain a user message to answer.", 'messages', 'invalid_value');
  const question = turns[last]!.content;
  if (question.trim().length === 0)
    throw openAiInvalid(
      `Invalid 'messages[${last}].content': the question is empty.`,
      `messages[${last}].content`,
      'invalid_value',
    );
  if (question.length > limits.maxQuestionChars) {
    throw openAiInvalid(
      `Invalid 'messages[${last}].content': the question is longer than ${limits.maxQuestionChars} characters.`,
      `messages[${last}].content`,
      'string_above_max_length',
    );
  }
  const promptTokens = turns.reduce((sum, turn) => sum + 3 + approximateTokens(turn.content), 0);
  // Long conversations keep their most recent turns rather than failing after N messages.
  return {
    question,
    history: turns.slice(0, last).slice(-limits.maxHistoryTurns),
    stream,
    includeUsage,
    promptTokens,
    ...(k ? { k } : {}),
    ...(mode ? { mode } : {}),
  };
}

function parseMessages(value: unknown, limits: RequestLimits): ChatTurn[] {
  if (!Array.isArray(value))
    throw openAiInvalid(
      `Invalid type for 'messages': expected an array, but got ${typeName(value)} instead.`,
      'messages',
      'invalid_type',
    );
  if (value.length === 0)
    throw openAiInvalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  return value.map((message: unknown, index): ChatTurn => {
    const where = `messages[${index}]`;
    if (typeof message !== 'object' || message === null)
      throw openAiInvalid(
        `Invalid type for '${where}': expected an object, but got ${typeName(message)} instead.`,
        where,
        'invalid_type',
      );
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role === 'tool' || role === 'function')
      throw openAiInvalid(
        `Invalid '${where}.role': '${role}' messages are not supported; Footnote never calls tools.`,
        `${where}.role`,
        'unsupported_value',
      );
    if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant') {
      throw openAiInvalid(
        `Invalid value for '${where}.role': expected one of 'system', 'developer', 'user' or 'assistant'.`,
        `${where}.role`,
        'invalid_value',
      );
    }
    let text: string;
    if (typeof content === 'string') text = content;
    else if ((content === null || content === undefined) && role === 'assistant') text = '';
    else if (Array.isArray(content)) {
      text = content
        .map((part: unknown, partIndex) => {
          const { type, text: partText } = (part ?? {}) as { type?: unknown; text?: unknown };
          if (type === 'text' && typeof partText === 'string') return partText;
          throw openAiInvalid(
            `Invalid '${where}.content[${partIndex}]': only text parts are supported (got ${typeof type === 'string' ? `'${type}'` : typeName(part)}).`,
            `${where}.content[${partIndex}]`,
            'unsupported_value',
          );
        })
        .join('\n');
    } else {
      throw openAiInvalid(
        `Invalid type for '${where}.content': expected a string or an array of text parts, but got ${typeName(content)} instead.`,
        `${where}.content`,
        'invalid_type',
      );
    }
    if (text.length > limits.maxQuestionChars * 4)
      throw openAiInvalid(
        `Invalid '${where}.content': longer than ${limits.maxQuestionChars * 4} characters.`,
        `${where}.content`,
        'string_above_max_length',
      );
    return { role: role === 'developer' ? 'system' : role, content: text };
  });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Errors under `/v1` in OpenAI's shape. User errors keep their message (without file system
 * paths); anything else is a generic 500, with the details in the server log.
 */
export function openAiErrorResponse(c: Context, error: unknown, log: (line: string) => void): Response {
  const body = (status: number, message: string, param: unknown = null, code: unknown = null): Response =>
    c.json<OpenAiErrorBody>(
      {
        error: {
          message,
          type:
            status === 401
              ? 'authentication_error'
              : status === 429
                ? 'rate_limit_error'
                : status < 500
                  ? 'invalid_request_error'
                  : 'server_error',
          param: typeof param === 'string' ? param : null,
          code: typeof code === 'string' ? code : null,
        },
      },
      status as ContentfulStatusCode,
    );
  if (error instanceof FootnoteError) {
    if (error.status >= 500 && !error.isUserError) log(`error: ${error.stack ?? error.message}`);
    const message = error.isUserError
      ? error.message.replace(/(?:\/[\w.@+-]+)+\/?/g, (match) =>
          match.startsWith('/v1/') || match.startsWith('/api/') ? match : '<path>',
        )
      : 'internal error; the server log has the details';
    return body(
      error.status,
      message,
      error.details?.param,
      error.details?.code ?? (error.code === 'invalid_request' ? null : error.code),
    );
  }
  if (error instanceof HTTPException) return body(error.status, error.message || 'invalid request');
  if (clientWentAway(c, error)) {
    log(`request aborted by the client: ${c.req.method} ${c.req.path}`);
    return body(400, 'the client closed the connection before sending the whole request');
  }
  log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return body(500, 'internal error; the server log has the details', null, 'internal');
}
