import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { FootnoteError } from '../errors.js';

/** Request limits; the defaults serve people and scripts, and stop abuse early. */
export interface RequestLimits {
  /** @default 2000 */
  maxQuestionChars: number;
  /** @default 50 */
  maxHistoryTurns: number;
  /** @default 20 */
  maxK: number;
  /** @default 65536 */
  maxBodyBytes: number;
}

/** The defaults of `RequestLimits`. */
export const defaultRequestLimits: RequestLimits = {
  maxQuestionChars: 2000,
  maxHistoryTurns: 50,
  maxK: 20,
  maxBodyBytes: 64 * 1024,
};

/** The zod schemas of the request bodies, with the limits applied. */
export function requestSchemas(limits: RequestLimits) {
  const text = (name: string) =>
    z
      .string({
        error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`),
      })
      .max(limits.maxQuestionChars * 4, `${name} is longer than ${limits.maxQuestionChars * 4} characters`);
  const turn = z.object({
    role: z.enum(['system', 'user', 'assistant'], { error: 'role must be "system", "user" or "assistant"' }),
    content: text('content'),
  });
  const question = z
    .string({
      error: (issue) => (issue.input === undefined ? 'question is required' : 'question must be a string'),
    })
    .refine((value) => value.trim().length > 0, 'question must not be empty')
    .refine(
      (value) => value.length <= limits.maxQuestionChars,
      `question is longer than ${limits.maxQuestionChars} characters`,
    );
  const k = z
    .number({ error: 'k must be a number' })
    .int('k must be a whole number')
    .min(1, 'k must be at least 1')
    .max(limits.maxK, `k must be at most ${limits.maxK}`)
    .optional();
  const mode = z
    .enum(['hybrid', 'bm25', 'dense'], { error: 'mode must be "hybrid", "bm25" or "dense"' })
    .optional();
  const history = z
    .array(turn, { error: 'history must be an array of { role, content }' })
    .max(limits.maxHistoryTurns, `history has more than ${limits.maxHistoryTurns} turns`)
    .optional();
  const ask = z.object({ question, k, history, mode });
  const chat = z.object({
    messages: z
      .array(turn, { error: 'messages must be an array of { role, content }' })
      .min(1, 'messages must not be empty')
      .max(limits.maxHistoryTurns + 1, `messages has more than ${limits.maxHistoryTurns + 1} turns`)
      .refine(
        (messages) => messages[messages.length - 1]?.role === 'user',
        'the last message must be from the user',
      )
      .refine(
        (messages) => (messages[messages.length - 1]?.content.trim().length ?? 0) > 0,
        'the last message must not be empty',
      )
      .refine(
        (messages) => (messages[messages.length - 1]?.content.length ?? 0) <= limits.maxQuestionChars,
        `the last message is longer than ${limits.maxQuestionChars} characters`,
      ),
    k,
    mode,
  });
  const span = z.object({
    start: z.coerce
      .number({ error: 'start must be a number' })
      .int('start must be a whole number')
      .min(0, 'start must be at least 0')
      .optional(),
    end: z.coerce
      .number({ error: 'end must be a number' })
      .int('end must be a whole number')
      .min(0, 'end must be at least 0')
      .optional(),
    offset: z.coerce
      .number({ error: 'offset must be a number' })
      .int('offset must be a whole number')
      .min(0, 'offset must be at least 0')
      .optional(),
    limit: z.coerce
      .number({ error: 'limit must be a number' })
      .int('limit must be a whole number')
      .min(1, 'limit must be at least 1')
      .max(MAX_SOURCE_WINDOW_CHARS, `limit must be at most ${MAX_SOURCE_WINDOW_CHARS}`)
      .optional(),
  });
  return { ask, chat, span };
}

/**
 * `GET /api/sources/:id` never sends more than this many characters of a source at once: a span is
 * served inside a window around it, and the rest is paged through with `offset` and `limit`.
 */
export const MAX_SOURCE_WINDOW_CHARS = 64_000;

/** Characters of context sent on each side of a requested span. */
export const SOURCE_CONTEXT_CHARS = 4_000;

/** Sources up to this length are sent whole, with or without a span. */
export const WHOLE_SOURCE_CHARS = 20_000;

/** The first problem zod found, as one sentence for the client. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return issue.code === 'unrecognized_keys'
    ? `unknown field ${issue.keys.join(', ')}`
    : `${where}${issue.message}`.replace(/^(\w+): \1 /, '$1 ');
}

/** Middleware that answers 413 `payload_too_large` for bodies over the limit (also when sent chunked). */
export function bodySizeLimit(limits: Pick<RequestLimits, 'maxBodyBytes'>) {
  return bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: () => {
      throw new FootnoteError(
        'payload_too_large',
        `request body is larger than ${limits.maxBodyBytes} bytes`,
      );
    },
  });
}
