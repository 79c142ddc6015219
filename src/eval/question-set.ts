/**
 * Loads an evaluation question set: a JSONL file with one question per line.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FootnoteError } from '../errors.js';

/** One turn of the conversation that came before an evaluation question. */
export interface EvalTurn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * One evaluation question. An unanswerable question has empty `answers` and empty `sources`:
 * the system should decline to answer it.
 */
export interface EvalQuestion {
  /** Unique within the set. */
  id: string;
  question: string;
  /** Acceptable short answers, each verbatim in one of `sources`; any one counts. */
  answers: string[];
  /** Source paths (relative to the corpus root) that contain an answer. */
  sources: string[];
  /** Earlier turns, for follow-up questions such as "What did he die of?". */
  history?: EvalTurn[];
  /**
   * Questions with the same group fall in the same half of the tuning/reporting split (SQuAD sets
   * the article title). Absent in JSONL sets, where the id decides.
   */
  group?: string;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const turnSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: nonEmpty,
});

/** Schema of one line; unknown keys are rejected so a typo like `answer` is caught. */
export const evalQuestionSchema = z
  .strictObject({
    id: nonEmpty,
    question: nonEmpty,
    answers: z.array(nonEmpty),
    sources: z.array(nonEmpty),
    history: z.array(turnSchema).optional(),
  })
  .refine((item) => (item.answers.length === 0) === (item.sources.length === 0), {
    message: 'answers and sources must both be empty (an unanswerable question) or both be non-empty',
  });

/**
 * Reads a JSONL question set. Blank lines are skipped.
 *
 * @throws FootnoteError `invalid_request` when the file cannot be read, a line is not JSON or not
 *   a valid question (the message names the file, the 1-based line number and the problem), an id
 *   repeats, or the file holds no questions.
 * @example
 * const questions = await loadQuestionSet('evals/corpus-questions.jsonl');
 */
export async function loadQuestionSet(path: string): Promise<EvalQuestion[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new FootnoteError(
      'invalid_request',
      `cannot read question set ${path}: ${(error as Error).message}; pass the path of a .jsonl file`,
      { cause: error },
    );
  }

  const questions: EvalQuestion[] = [];
  const lineOfId = new Map<string, number>();
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const lineNumber = index + 1;
    const lineError = (problem: string) =>
      new FootnoteError('invalid_request', `${path} line ${lineNumber}: ${problem}`);

    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw lineError(`not valid JSON (${(error as Error).message}); each line must be one JSON object`);
    }
    const parsed = evalQuestionSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
      );
      throw lineError(
        `${problems.join('; ')}; expected { "id", "question", "answers": string[], "sources": string[], "history"?: [{ "role", "content" }] }`,
      );
    }
    const question = parsed.data;
    const firstLine = lineOfId.get(question.id);
    if (firstLine !== undefined)
      throw lineError(`duplicate id "${question.id}" (first used on line ${firstLine}); ids must be unique`);
    lineOfId.set(question.id, lineNumber);
    questions.push(question);
  }
  if (questions.length === 0)
    throw new FootnoteError('invalid_request', `${path} holds no questions; write one JSON object per line`);
  return questions;
}
