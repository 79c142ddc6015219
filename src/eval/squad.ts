/**
 * Turns an official SQuAD v1.1 JSON file into a corpus plus an evaluation question set, so
 * retrieval and answers can be measured on public data.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FootnoteError } from '../errors.js';
import { answerMatcher } from './metrics.js';
import type { EvalQuestion } from './question-set.js';
import { writeCorpusFiles } from './write-corpus-files.js';

/** One SQuAD paragraph as a corpus document. */
export interface SquadDocument {
  /** `squad/<article-index>-<paragraph-index>.txt`, both 0-based. */
  source: string;
  /** Article title with underscores as spaces, e.g. `Super Bowl 50`. */
  title: string;
  /** `title + "\n\n" + context`; every answer appears verbatim in the context part. */
  text: string;
  /** 0-based index of the article in the file. */
  article: number;
  /** 0-based index of the paragraph in its article. */
  paragraph: number;
}

/** A SQuAD file as a corpus (one document per paragraph) and its questions. */
export interface SquadSet {
  documents: SquadDocument[];
  questions: EvalQuestion[];
}

const squadSchema = z.object({
  version: z.string().optional(),
  data: z.array(
    z.object({
      title: z.string(),
      paragraphs: z.array(
        z.object({
          context: z.string(),
          qas: z.array(
            z.object({
              id: z.string(),
              question: z.string(),
              answers: z
                .array(z.object({ text: z.string(), answer_start: z.number() }))
                .min(1, 'needs at least one answer (SQuAD v2.0 unanswerable questions are not supported)'),
            }),
          ),
        }),
      ),
    }),
  ),
});

const EXPECTED_SHAPE =
  'expected SQuAD v1.1 JSON: { "data": [{ "title", "paragraphs": [{ "context", "qas": [{ "id", "question", "answers": [{ "text", "answer_start" }] }] }] }] }';

/**
 * Reads a SQuAD v1.1 file (e.g. `dev-v1.1.json`). Each paragraph becomes one document and each
 * question an {@link EvalQuestion} whose only source is its paragraph, whose answers are the
 * distinct `answers[].text`, in their original order, and whose `group` is the article title as
 * written in the file (`Super_Bowl_50`), so the tuning/reporting split keeps articles whole.
 *
 * @throws FootnoteError `invalid_request` when the file cannot be read, is not JSON or does not
 *   have the SQuAD v1.1 shape (the message names the first offending fields).
 * @example
 * const { documents, questions } = await loadSquad('../shared/datasets/squad/dev-v1.1-part-a.json');
 */
export async function loadSquad(path: string): Promise<SquadSet> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const problem =
      error instanceof SyntaxError
        ? `is not valid JSON (${error.message})`
        : `cannot be read (${(error as Error).message})`;
    throw new FootnoteError('invalid_request', `SQuAD file ${path} ${problem}; ${EXPECTED_SHAPE}`, {
      cause: error,
    });
  }

  const parsed = squadSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const problems = issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    if (issues.length > 3) problems.push(`and ${issues.length - 3} more`);
    throw new FootnoteError(
      'invalid_request',
      `${path} is not a SQuAD v1.1 file: ${problems.join('; ')}; ${EXPECTED_SHAPE}`,
    );
  }

  const documents: SquadDocument[] = [];
  const questions: EvalQuestion[] = [];
  for (const [articleIndex, article] of parsed.data.data.entries()) {
    const title = article.title.replaceAll('_', ' ');
    for (const [paragraphIndex, paragraph] of article.paragraphs.entries()) {
      const source = `squad/${articleIndex}-${paragraphIndex}.txt`;
      documents.push({
        source,
        title,
        text: `${title}\n\n${paragraph.context}`,
        article: articleIndex,
        paragraph: paragraphIndex,
      });
      for (const qa of paragraph.qas) {
        const answers = [...new Set(qa.answers.map((answer) => answer.text))];
        questions.push({
          id: qa.id,
          question: qa.question,
          answers,
          sources: [source],
          group: article.title,
        });
      }
    }
  }
  return { documents, questions };
}

/**
 * The holdout variant of a SQuAD set, built for abstention: only every other paragraph of each
 * article is kept (0-based paragraph index even; odd with `keptParity: 1`, which the answer
 * scorer's training uses to see every tuning question both ways), so the index holds each
 * article's topic while the facts of the left-out paragraphs are gone. Deterministic, no randomness:
 *
 * - a question about a kept paragraph stays answerable, unchanged;
 * - a question about a left-out paragraph becomes unanswerable (`answers` and `sources` emptied),
 *   unless one of its gold answers occurs, under SQuAD normalisation (as `answerContains` matches), in
 *   the text of a kept paragraph of the same article (title line included, since it is indexed
 *   too): then the corpus may well answer it, and the question is dropped.
 *
 * Questions keep their id and `group` (the article), so the tuning/reporting split is the same
 * as on the plain set.
 *
 * @example
 * const holdout = squadHoldout(await loadSquad('../shared/datasets/squad/dev-v1.1-part-a.json'));
 */
export function squadHoldout(set: SquadSet, options: { keptParity?: 0 | 1 } = {}): SquadSet {
  const kept = options.keptParity ?? 0;
  const documents = set.documents.filter((document) => document.paragraph % 2 === kept);
  const keptTexts = new Map<number, Array<(answers: string[]) => boolean>>();
  for (const document of documents) {
    const texts = keptTexts.get(document.article) ?? [];
    texts.push(answerMatcher(document.text));
    keptTexts.set(document.article, texts);
  }
  const documentOf = new Map(set.documents.map((document) => [document.source, document]));
  const questions = set.questions.flatMap((question) => {
    const document = documentOf.get(question.sources[0] ?? '');
    if (!document || document.paragraph % 2 === kept) return [question];
    const elsewhere = (keptTexts.get(document.article) ?? []).some((contains) => contains(question.answers));
    return elsewhere ? [] : [{ ...question, answers: [], sources: [] }];
  });
  return { documents, questions };
}

/**
 * Reads a SQuAD file and writes each paragraph as a file under
 * `<stateDirectory>/squad-corpus-<hash of the file>/` (`squad-holdout-corpus-…` with `holdout`,
 * `squad-holdout-odd-corpus-…` with odd paragraphs kept,
 * holding only the kept paragraphs, see `squadHoldout`) unless it is already there, so a second
 * run ingests nothing new and the two variants never share an index. Files are written under a
 * temporary name and renamed, so an interrupted run never leaves a truncated paragraph behind.
 */
export async function prepareSquadCorpus(
  squadFile: string,
  stateDirectory: string,
  options: {
    /** Keep every other paragraph and turn questions about the others unanswerable. @default false */
    holdout?: boolean;
    /** With `holdout`, which paragraphs are kept: 0 even, 1 odd. @default 0 */
    keptParity?: 0 | 1;
  } = {},
): Promise<{ corpusDirectory: string; questions: EvalQuestion[] }> {
  const loaded = await loadSquad(squadFile);
  const keptParity = options.keptParity ?? 0;
  const { documents, questions } = options.holdout ? squadHoldout(loaded, { keptParity }) : loaded;
  const prefix = options.holdout ? `squad-holdout${keptParity === 1 ? '-odd' : ''}-corpus` : 'squad-corpus';
  const directory = path.join(stateDirectory, `${prefix}-${await fileHash(squadFile)}`);
  await writeCorpusFiles(directory, documents);
  return { corpusDirectory: directory, questions };
}

async function fileHash(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
    .slice(0, 12);
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
