/**
 * Turns an official SQuAD v1.1 JSON file into a corpus plus an evaluation question set, so
 * retrieval and answers can be measured on public data.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FootnoteError } from '../errors.js';
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
}

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
 * question an {@link EvalQuestion} whose only source is its paragraph and whose answers are the
 * distinct `answers[].text`, in their original order.
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
      documents.push({ source, title, text: `${title}\n\n${paragraph.context}` });
      for (const qa of paragraph.qas) {
        const answers = [...new Set(qa.answers.map((answer) => answer.text))];
        questions.push({ id: qa.id, question: qa.question, answers, sources: [source] });
      }
    }
  }
  return { documents, questions };
}

/**
 * Reads a SQuAD file and writes each paragraph as a file under
 * `<stateDirectory>/squad-corpus-<hash of the file>/` unless it is already there, so a second run
 * ingests nothing new. Files are written under a temporary name and renamed, so an interrupted
 * run never leaves a truncated paragraph behind.
 */
export async function prepareSquadCorpus(
  squadFile: string,
  stateDirectory: string,
): Promise<{ corpusDirectory: string; questions: EvalQuestion[] }> {
  const { documents, questions } = await loadSquad(squadFile);
  const directory = path.join(stateDirectory, `squad-corpus-${await fileHash(squadFile)}`);
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
