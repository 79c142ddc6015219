import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { defaultAnswerScorer } from '../answer/index.js';
import { FootnoteError } from '../errors.js';
import {
  answerContains,
  type EvalQuestion,
  type EvalReport,
  type EvalRun,
  filterSplit,
  isRight,
  loadQuestionSet,
  prepareSquadCorpus,
  REPORT_METRICS,
  riskCoveragePlotSvg,
  runEval,
  type Split,
} from '../eval/index.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { chooseStore, type StoreProvider } from '../store/index.js';
import type { EnvironmentConfig } from './config.js';
import { countProgress } from './count-progress.js';
import { withGeneratorOption, withRetrievalOptions } from './options.js';
import { createRuntime, openEngine, type Runtime, runIngest } from './runtime.js';

interface EvalFlags {
  squad?: string;
  holdout?: boolean;
  split: Split | 'all';
  corpus?: string;
  k?: number;
  retriever: RetrieverMode;
  json?: string;
  dump?: string;
  curve?: string;
  verbose?: boolean;
  indexDir?: string;
  store?: string;
  embedder?: string;
  generator?: string;
}

/** `footnote eval`: runs a question set (or SQuAD) against an index and reports the metrics. */
export function evalCommand(config: () => EnvironmentConfig): Command {
  return withGeneratorOption(withRetrievalOptions(new Command('eval')))
    .description(
      'Score retrieval, answers, citations and refusals on a question set (JSONL) or a SQuAD v1.1 file',
    )
    .argument('[questions]', 'question set, one JSON object per line (e.g. evals/corpus-questions.jsonl)')
    .option('--squad <file>', 'evaluate on a SQuAD v1.1 file instead: each paragraph becomes one document')
    .option(
      '--holdout',
      'with --squad: index only the even-numbered (0-based) paragraphs of each article; a question about a left-out paragraph becomes unanswerable, or is dropped when one of its gold answers (SQuAD-normalised) occurs in a kept paragraph of its article',
    )
    .addOption(
      new Option(
        '--split <half>',
        'score one half of the set: tune or report (first byte of SHA-256 of the question id, or of the article title for SQuAD, < 128 = tune), or all',
      )
        .choices(['tune', 'report', 'all'])
        .default('all'),
    )
    .option('--corpus <dir>', 'corpus the questions are about (env FOOTNOTE_CORPUS_DIR, default corpus/)')
    .option('--json <file>', 'also write the report as JSON')
    .option(
      '--dump <file>',
      'also write one JSON line per question: id, split, answerable, gold answers and sources, answer, first quote, confidence, refused, right, firstSentenceRight, rankedSources',
    )
    .option('--curve <file>', 'also draw the risk-coverage curve (precision against coverage) as an SVG')
    .option(
      '--verbose',
      'list every question that missed: wrong source, answer without a gold string, wrong refusal',
    )
    .option(
      '--index-dir <dir>',
      'index folder for this corpus (default <FOOTNOTE_INDEX_DIR>/eval-<hash of the corpus path>)',
    )
    .option(
      '--store <store>',
      'file (an index folder) or postgres://… (env FOOTNOTE_STORE); a Postgres store keeps each evaluated corpus in its own schema',
    )
    .option(
      '--embedder <name>',
      'auto, glove or transformers:<model-id> (env FOOTNOTE_EMBEDDER, default auto)',
    )
    .action(async (questionsPath: string | undefined, flags: EvalFlags) => {
      const opened: StoreProvider[] = [];
      try {
        await evaluate(questionsPath, flags, config(), opened);
      } finally {
        for (const store of opened) await store.close();
      }
    });
}

async function evaluate(
  questionsPath: string | undefined,
  flags: EvalFlags,
  environment: EnvironmentConfig,
  opened: StoreProvider[],
): Promise<void> {
  if ((questionsPath === undefined) === (flags.squad === undefined)) {
    throw new FootnoteError(
      'invalid_request',
      'pass either a question set (`footnote eval evals/corpus-questions.jsonl`) or a SQuAD file (`footnote eval --squad dev-v1.1.json`), not both or neither',
    );
  }
  if (flags.holdout && flags.squad === undefined) {
    throw new FootnoteError(
      'invalid_request',
      '--holdout leaves out paragraphs of a SQuAD file; use it with --squad <file>',
    );
  }
  if (flags.squad !== undefined && flags.corpus !== undefined) {
    throw new FootnoteError(
      'invalid_request',
      '--squad builds its own corpus from the SQuAD paragraphs; drop --corpus',
    );
  }

  let questions: EvalQuestion[];
  let corpus = flags.corpus;
  const stateDirectory = path.resolve(environment.indexDirectory);
  if (flags.squad !== undefined) {
    ({ questions, corpusDirectory: corpus } = await prepareSquadCorpus(flags.squad, stateDirectory, {
      holdout: flags.holdout ?? false,
    }));
  } else {
    questions = await loadQuestionSet(questionsPath!);
  }
  const setSize = questions.length;
  questions = filterSplit(questions, flags.split);
  if (questions.length === 0) {
    throw new FootnoteError(
      'invalid_request',
      `the ${flags.split} half of this set holds no questions (of ${setSize}); pass --split all`,
    );
  }

  const runtime = createRuntime(environment, {
    ...(corpus === undefined ? {} : { corpus }),
    ...(flags.embedder === undefined ? {} : { embedder: flags.embedder }),
  });
  await runtime.store.close();
  // Each evaluated corpus gets its own index: a folder, or a Postgres schema.
  const corpusKey = hash([runtime.corpusDirectory, runtime.embedder.id]);
  const indexDirectory =
    flags.indexDir === undefined
      ? path.join(stateDirectory, `eval-${corpusKey}`)
      : path.resolve(flags.indexDir);
  const evalRuntime: Runtime = {
    ...runtime,
    indexDirectory,
    store: chooseStore({
      store: flags.store ?? environment.store,
      indexDirectory,
      schema: `footnote_eval_${corpusKey.slice(0, 12)}`,
    }),
  };
  opened.push(evalRuntime.store);
  await runIngest(evalRuntime, {});
  const engine = await openEngine(evalRuntime, {
    mode: flags.retriever,
    ...(flags.k === undefined ? {} : { k: flags.k }),
    ...(flags.generator ? { generator: flags.generator } : {}),
  });
  checkSources(questions, new Set(Object.keys(engine.store.manifest.files)), evalRuntime.corpusDirectory);

  const progress = countProgress('answering', questions.length);
  const started = performance.now();
  let run: EvalRun;
  try {
    run = await runEval(engine, questions, {
      mode: flags.retriever,
      ...(flags.k === undefined ? {} : { k: flags.k }),
      onProgress: (done) => progress.update(done),
      config: {
        questions: path.relative(process.cwd(), path.resolve(flags.squad ?? questionsPath!)),
        groundingThreshold: environment.groundingThreshold ?? defaultAnswerScorer().weights.threshold,
        split: flags.split,
        setSize,
        ...(flags.holdout ? { holdout: true } : {}),
      },
    });
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  runtime.notice(
    `answered ${questions.length} questions in ${seconds.toFixed(1)} s (${((seconds * 1000) / questions.length).toFixed(1)} ms each)`,
  );

  if (flags.verbose) process.stdout.write(formatFailures(run));
  process.stdout.write(formatReport(run.report));
  const write = async (file: string, content: string) => {
    const output = path.resolve(file);
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, content);
    runtime.notice(`wrote ${file}`);
  };
  if (flags.json !== undefined) await write(flags.json, `${JSON.stringify(run.report, null, 2)}\n`);
  if (flags.dump !== undefined) await write(flags.dump, dumpLines(run));
  if (flags.curve !== undefined) await write(flags.curve, curveSvg(run.report));
}

/**
 * One JSON line per question, everything needed to study or tune answer selection and refusal
 * without re-running the eval (`right` as in {@link isRight}).
 */
export function dumpLines(run: EvalRun): string {
  return run.results
    .map((result) =>
      JSON.stringify({
        id: result.id,
        split: result.split,
        question: result.question,
        answerable: result.answerable,
        goldAnswers: result.goldAnswers,
        goldSources: result.goldSources,
        answer: result.answer,
        firstQuote: result.firstQuote,
        confidence: result.confidence,
        refused: !result.grounded,
        right: isRight(result),
        firstSentenceRight:
          result.answerable &&
          result.firstQuote !== null &&
          answerContains(result.firstQuote, result.goldAnswers),
        rankedSources: result.rankedSources.slice(0, 10),
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** The report's risk-coverage curve as an SVG, titled with the question set and split. */
export function curveSvg(report: EvalReport): string {
  const config = report.config;
  const name = path.basename(String(config.questions ?? 'questions'));
  const split = config.split === undefined || config.split === 'all' ? '' : `, ${String(config.split)} half`;
  const title = `${name}${config.holdout ? ' --holdout' : ''}${split}: risk-coverage`;
  const number = (value: number | null) => (value === null ? '–' : value.toFixed(3));
  const subtitle = `${report.n} questions; area ${number(report.precision_coverage_area)}, coverage at precision 0.9: ${number(report.coverage_at_90_precision)}`;
  return riskCoveragePlotSvg(
    [{ label: `${String(config.retriever)}, ${String(config.generator)}`, points: report.risk_coverage }],
    title,
    subtitle,
  );
}

/** A question whose gold source is not in the index would silently score 0. */
function checkSources(questions: EvalQuestion[], indexed: Set<string>, corpusDirectory: string): void {
  const missing = questions.flatMap((question) =>
    question.sources.filter((source) => !indexed.has(source)).map((source) => ({ id: question.id, source })),
  );
  const first = missing[0];
  if (first) {
    throw new FootnoteError(
      'invalid_request',
      `question "${first.id}" names source ${first.source}, which is not in the corpus ${corpusDirectory} (${missing.length} such source reference${missing.length === 1 ? '' : 's'}); pass the corpus the questions were written for with --corpus`,
    );
  }
}

function hash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);
}

const COUNTS = new Set<string>(['n', 'n_answerable', 'n_unanswerable']);

/** The report as a two-column table, one row per metric (`–` when a rate has no questions). */
export function formatReport(report: EvalReport): string {
  const config = report.config;
  const split =
    config.split === undefined || config.split === 'all' ? 'all' : `the ${String(config.split)} half`;
  const lines = [
    `${String(config.retriever)} retrieval, k=${String(config.k)}, ${String(config.embedder)}, ${String(config.generator)} answers, questions ${String(config.questions ?? '')}${config.holdout ? ' (holdout)' : ''}`,
    `split: ${split}, ${report.n} of ${String(config.setSize ?? report.n)} questions (${report.n_answerable} answerable, ${report.n_unanswerable} unanswerable)`,
    '',
    `${'metric'.padEnd(26)} value`,
  ];
  for (const metric of REPORT_METRICS) {
    const value = report[metric];
    const shown =
      value === null
        ? '–'
        : COUNTS.has(metric)
          ? String(value)
          : metric.endsWith('_ms')
            ? value.toFixed(1)
            : value.toFixed(3);
    lines.push(`${metric.padEnd(26)} ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Why each question missed, with what it should have found and what it answered. */
export function formatFailures(run: EvalRun): string {
  const blocks: string[] = [];
  for (const result of run.results) {
    const problems: string[] = [];
    if (result.answerable) {
      const gold = new Set(result.goldSources);
      if (!result.rankedSources.some((source) => gold.has(source))) problems.push('missed source');
      if (!result.grounded) problems.push('refused an answerable question');
      else if (!answerContains(result.answer, result.goldAnswers))
        problems.push('answer lacks every gold answer');
    } else if (result.grounded) {
      problems.push('answered an unanswerable question');
    }
    if (result.citationsValid < result.citationsTotal)
      problems.push(
        `${result.citationsTotal - result.citationsValid} citation(s) do not match the file text`,
      );
    if (problems.length === 0) continue;
    const gold = result.answerable
      ? `${result.goldAnswers.map((answer) => JSON.stringify(answer)).join(' | ')} in ${result.goldSources.join(', ')}`
      : '(the corpus does not answer it)';
    blocks.push(
      [
        `x ${result.id}: ${problems.join('; ')}`,
        `  question:  ${result.question}`,
        `  gold:      ${gold}`,
        `  answered:  ${oneLine(result.answer, 300)} (confidence ${result.confidence.toFixed(3)})`,
        `  retrieved: ${result.rankedSources.join(', ') || '(nothing)'}`,
      ].join('\n'),
    );
  }
  const header = `${blocks.length} of ${run.results.length} questions missed`;
  return `${[header, ...blocks].join('\n\n')}\n\n`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
