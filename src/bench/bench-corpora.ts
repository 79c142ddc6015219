import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FootnoteError } from '../errors.js';
import {
  agNewsDocument,
  type EvalQuestion,
  loadAgNews,
  loadQuestionSet,
  prepareSquadCorpus,
  writeCorpusFiles,
} from '../eval/index.js';
import { filesUnder } from './files-under.js';
import type { BenchCorpus } from './measure-latency.js';

/** The corpora the bench measures, smallest first, and the BBC headlines its load test asks about. */
export interface BenchCorpora {
  corpora: BenchCorpus[];
  bbcHeadlines: string[];
}

/**
 * Prepares the four corpora: Footnote's own `corpus/` with its evaluation questions repeated,
 * SQuAD part A, BBC News and AG News (the last two asked about their headlines). SQuAD is
 * written out as files where `footnote eval --squad` writes it, AG News under
 * `<stateDirectory>/bench/agnews-corpus`, each once.
 *
 * @throws FootnoteError `invalid_request` naming the first dataset file missing under `datasets`.
 */
export async function benchCorpora(options: {
  /** Folder holding `bbc/articles`, `agnews/test.csv` and `squad/dev-v1.1-part-a.json`. */
  datasets: string;
  corpusDirectory: string;
  corpusQuestionsFile: string;
  /** Footnote's state folder (the index directory); its `bench/` subfolder is the bench's own. */
  stateDirectory: string;
  /** Questions per corpus. */
  questions: number;
  /** Told once the datasets are found and preparing starts. */
  log: (line: string) => void;
}): Promise<BenchCorpora> {
  const bbcDirectory = path.join(options.datasets, 'bbc', 'articles');
  const agNewsFile = path.join(options.datasets, 'agnews', 'test.csv');
  const squadFile = path.join(options.datasets, 'squad', 'dev-v1.1-part-a.json');
  for (const required of [bbcDirectory, agNewsFile, squadFile]) {
    if (!existsSync(required))
      throw new FootnoteError(
        'invalid_request',
        `benchmark dataset ${required} not found; pass the folder holding bbc/, agnews/ and squad/ with --datasets`,
      );
  }
  options.log('preparing corpora and questions');
  const squad = await prepareSquadCorpus(squadFile, options.stateDirectory);
  const agNewsDirectory = path.join(options.stateDirectory, 'bench', 'agnews-corpus');
  const agNewsRows = await loadAgNews(agNewsFile);
  await writeCorpusFiles(agNewsDirectory, agNewsRows.map(agNewsDocument));
  const bbcHeadlines = await readBbcHeadlines(bbcDirectory);
  const corpusQuestions = await loadQuestionSet(options.corpusQuestionsFile);
  const corpora: BenchCorpus[] = [
    {
      name: 'corpus/',
      directory: options.corpusDirectory,
      questionsFrom: 'evals/corpus-questions.jsonl, repeated',
      questions: cycle(corpusQuestions, options.questions),
    },
    {
      name: 'SQuAD part A',
      directory: squad.corpusDirectory,
      questionsFrom: 'SQuAD questions, evenly spaced',
      questions: spread(squad.questions, options.questions),
    },
    {
      name: 'BBC',
      directory: bbcDirectory,
      questionsFrom: 'BBC headlines as "What do we know about <headline>?"',
      questions: spread(bbcHeadlines, options.questions).map(headlineQuestion),
    },
    {
      name: 'AG News',
      directory: agNewsDirectory,
      questionsFrom: 'AG News titles as "What do we know about <title>?"',
      questions: spread(
        agNewsRows.map((row) => row.title),
        options.questions,
      ).map(headlineQuestion),
    },
  ];
  return { corpora, bbcHeadlines };
}

/** First line of every BBC article in `directory`, in a stable order (the README is not an article). */
export async function readBbcHeadlines(directory: string): Promise<string[]> {
  const files = (await filesUnder(directory)).filter((file) => /\/\d+\.txt$/.test(file)).sort();
  const headlines: string[] = [];
  for (const file of files) {
    const headline = (await readFile(file, 'latin1')).split('\n', 1)[0]?.trim();
    if (headline) headlines.push(headline);
  }
  return headlines;
}

/** A headline as the question "What do we know about <headline>?". */
export function headlineQuestion(headline: string, index = 0): EvalQuestion {
  return {
    id: `headline-${index}`,
    question: `What do we know about ${headline.replace(/[.?!]+$/, '')}?`,
    answers: [],
    sources: [],
  };
}

/** `count` items spread evenly over the list, in order. */
export function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, index) => items[Math.floor((index * items.length) / count)]!);
}

/** The list repeated until it holds `count` items. */
function cycle<T>(items: T[], count: number): T[] {
  return Array.from({ length: count }, (_, index) => items[index % items.length]!);
}
