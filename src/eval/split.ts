/**
 * The fixed split of every evaluation set into a tuning half and a reporting half, so anything
 * learned or tuned never sees the questions its figures are reported on.
 */
import { createHash } from 'node:crypto';
import type { EvalQuestion } from './question-set.js';

/** One half of an evaluation set. */
export type Split = 'tune' | 'report';

/**
 * The half a key falls in: `tune` when the first byte of its SHA-256 (UTF-8) is below 128,
 * `report` otherwise. Depends on nothing but the key, so the halves never change when a set grows.
 * The key is a question's id for JSONL sets and the article title for SQuAD (see
 * {@link splitOfQuestion}).
 *
 * @example
 * splitOf('Super_Bowl_50') // 'tune' or 'report', the same on every machine
 */
export function splitOf(key: string): Split {
  return createHash('sha256').update(key, 'utf8').digest()[0]! < 128 ? 'tune' : 'report';
}

/**
 * The half a question falls in: {@link splitOf} its `group` when it has one (SQuAD: the article
 * title, so all questions of an article land in the same half and a model tuned on one half never
 * sees the other half's articles), else its id.
 */
export function splitOfQuestion(question: Pick<EvalQuestion, 'id' | 'group'>): Split {
  return splitOf(question.group ?? question.id);
}

/** The questions of one half, or all of them for `all`, in their original order. */
export function filterSplit<Question extends Pick<EvalQuestion, 'id' | 'group'>>(
  questions: Question[],
  split: Split | 'all',
): Question[] {
  return split === 'all' ? questions : questions.filter((question) => splitOfQuestion(question) === split);
}
