/**
 * Trains the answer scorer (`weights/answer-scorer.json`): a ranker over each question's
 * candidate sentences (a logistic regression, `src/answer/logistic-regression.ts`) and an
 * abstainer over questions (gradient-boosted trees, `src/answer/boosted-trees.ts`, its threshold
 * chosen on out-of-fold confidences), on the TUNING halves only:
 *
 * - SQuAD part A, plain (every paragraph indexed) and held out (every other paragraph of each
 *   article indexed; questions about the others are unanswerable), articles in the tuning half;
 *   for the abstainer only, the holdout once more with the other half of the paragraphs kept;
 * - evals/bbc-questions.jsonl over the BBC articles, questions in the tuning half;
 * - evals/corpus-questions.jsonl over corpus/, questions in the tuning half.
 *
 * Out-of-fold figures use 4 folds by the question's group (its SQuAD article, or its first
 * source), so no question is scored by a model that saw questions on the same passage.
 *
 * Usage: `npm run train:answer-scorer [-- --datasets ../shared/datasets --out weights/answer-scorer.json]`
 * (a few minutes on 2 cores; indexes are cached under .footnote/). `--reuse-features` retrains
 * from the features the last run collected (seconds); `--small-set-weight`, `--rounds`, `--depth`
 * and `--max-false-refusals` set what the weights file's `training` records; `--oof <file>` writes
 * each tuning question's out-of-fold confidence and first sentence as JSON lines, for error
 * analysis. For measuring what a part adds (not for the committed weights): `--augment ''` trains
 * the abstainer without the odd-paragraph holdout, and `--ablate a,b` holds the named features at 0.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ABSTAINER_FEATURES,
  type AnswerCandidates,
  type AnswerScorerWeights,
  answerCandidates,
  BoostedTrees,
  type CandidateFeatures,
  corpusKnowsAny,
  defaultBoostingOptions,
  fitBoostedTrees,
  LogisticScorer,
  type QuestionStatistics,
  questionFeatures,
  RANKER_FEATURES,
  rankCandidates,
  type ScorerModel,
  standardize,
} from '../src/answer/index.js';
import { fitLogistic } from '../src/answer/logistic-regression.js';
import { readEnvironment } from '../src/cli/config.js';
import { createRuntime, openEngine, runIngest } from '../src/cli/runtime.js';
import type { Engine } from '../src/engine.js';
import {
  answerContains,
  type EvalQuestion,
  filterSplit,
  loadQuestionSet,
  prepareSquadCorpus,
} from '../src/eval/index.js';

const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: '../shared/datasets' },
    out: { type: 'string', default: 'weights/answer-scorer.json' },
    'max-false-refusals': { type: 'string', default: '0.08' },
    features: { type: 'string', default: '.footnote/answer-scorer-features.json' },
    'reuse-features': { type: 'boolean', default: false },
    oof: { type: 'string' },
    augment: { type: 'string', default: 'squad-holdout-odd' },
    ablate: { type: 'string', default: '' },
    'small-set-weight': { type: 'string', default: '8' },
    rounds: { type: 'string', default: String(defaultBoostingOptions.rounds) },
    depth: { type: 'string', default: String(defaultBoostingOptions.maxDepth) },
  },
});

/** One tuning question as the models see it: serialisable, so a run can be retrained without re-answering. */
interface QuestionData {
  id: string;
  /**
   * Questions that share a group share a fold: the SQuAD article, or a hand-written question's
   * first source (its article), so no fold is scored by a model that saw the same passage.
   */
  group: string;
  /** The question and its candidate sentences' text, kept for error analysis. */
  question: string;
  texts: string[];
  answerable: boolean;
  type: string;
  candidates: Array<Pick<CandidateFeatures, 'values' | 'missingIdf' | 'weakest'>>;
  /** Whether each candidate holds a gold answer. */
  labels: boolean[];
  statistics: QuestionStatistics;
}

/** Share of answers above it whose first sentence holds the answer: where "may answer" ends. */
const PARTIAL_PRECISION = 0.8;

interface SetData {
  name: string;
  /**
   * Training only (never in the threshold, the summary or the ranker): the SQuAD holdout with the
   * other half of each article's paragraphs kept, so the abstainer sees each tuning question both
   * answerable and not, and must learn from the candidates, not from how questions are worded.
   */
  augmented?: boolean;
  /** Rows are repeated this many times in training, so small hand-written sets are not drowned out. */
  weight: number;
  questions: QuestionData[];
}

/** Features held at 0 for an ablation run (`--ablate`). */
const ablate = new Set(flags.ablate.split(',').filter(Boolean));

const environment = readEnvironment();
const stateDirectory = path.resolve(environment.indexDirectory);

async function engineFor(name: string, corpusDirectory: string): Promise<Engine> {
  const runtime = createRuntime(environment, { corpus: corpusDirectory, embedder: 'glove' });
  const indexDirectory = path.join(stateDirectory, `train-${name}`);
  const scoped = { ...runtime, indexDirectory };
  await runIngest(scoped, { quiet: true });
  return openEngine(scoped, { generator: 'extractive' });
}

async function collect(
  name: string,
  engine: Engine,
  questions: EvalQuestion[],
  weight: number,
): Promise<SetData> {
  const data: SetData = { name, weight, questions: [] };
  const started = performance.now();
  for (const question of questions) {
    const prepared = await answerCandidates(
      { question: question.question, history: question.history ?? [] },
      engine.askContext,
    );
    data.questions.push(toData(question, prepared));
  }
  const answerable = questions.filter((question) => question.answers.length > 0).length;
  process.stderr.write(
    `${name}: ${questions.length} tuning questions (${answerable} answerable) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return data;
}

function toData(question: EvalQuestion, prepared: AnswerCandidates): QuestionData {
  return {
    id: question.id,
    group: question.group ?? question.sources[0] ?? question.id,
    question: question.question,
    texts: prepared.candidates.map((candidate) => candidate.sentence.text),
    answerable: question.answers.length > 0,
    type: prepared.analysis.type,
    candidates: prepared.candidates.map(({ values, missingIdf, weakest }) => ({
      values,
      missingIdf,
      weakest,
    })),
    labels: prepared.candidates.map(
      (candidate) => question.answers.length > 0 && answerContains(candidate.sentence.text, question.answers),
    ),
    statistics: prepared.statistics,
  };
}

async function collectAll(squadFile: string): Promise<SetData[]> {
  const sets: SetData[] = [];
  for (const variant of ['squad', 'squad-holdout', 'squad-holdout-odd'] as const) {
    const squad = await prepareSquadCorpus(squadFile, stateDirectory, {
      holdout: variant !== 'squad',
      keptParity: variant === 'squad-holdout-odd' ? 1 : 0,
    });
    const set = await collect(
      variant,
      await engineFor(variant, squad.corpusDirectory),
      filterSplit(squad.questions, 'tune'),
      1,
    );
    if (variant === 'squad-holdout-odd') set.augmented = true;
    sets.push(set);
  }
  const bbcArticles = path.join(flags.datasets, 'bbc', 'articles');
  const bbc = filterSplit(await loadQuestionSet('evals/bbc-questions.jsonl'), 'tune');
  sets.push(await collect('bbc', await engineFor('bbc', bbcArticles), bbc, 1));
  const corpus = filterSplit(await loadQuestionSet('evals/corpus-questions.jsonl'), 'tune');
  sets.push(await collect('corpus', await engineFor('corpus', 'corpus'), corpus, 1));
  return sets;
}

async function main(): Promise<void> {
  // Checked before the minutes of collecting features, and told in one line.
  const unknown = [...ablate].filter(
    (name) => ![...RANKER_FEATURES, ...ABSTAINER_FEATURES].includes(name as never),
  );
  if (unknown.length > 0) {
    process.stderr.write(
      `--ablate: no feature named ${unknown.join(', ')}; the features are ${[...RANKER_FEATURES, ...ABSTAINER_FEATURES].join(', ')}\n`,
    );
    process.exit(1);
  }
  const squadFile = path.join(flags.datasets, 'squad', 'dev-v1.1-part-a.json');
  const featuresFile = path.resolve(flags.features);
  let sets: SetData[];
  if (flags['reuse-features']) {
    sets = JSON.parse(await readFile(featuresFile, 'utf8')) as SetData[];
    process.stderr.write(`reusing the features in ${flags.features}\n`);
  } else {
    sets = await collectAll(squadFile);
    await mkdir(path.dirname(featuresFile), { recursive: true });
    await writeFile(featuresFile, JSON.stringify(sets));
  }
  // The small hand-written sets count this many times, so SQuAD's thousands do not drown them out.
  const smallSetWeight = Number(flags['small-set-weight']);
  for (const set of sets) set.weight = set.name.startsWith('squad') ? 1 : smallSetWeight;
  const evaluated = sets.filter((set) => !set.augmented);
  // Ablation: the named features held at 0, so no model uses them (a ranker feature for both models).
  const ablatedColumns = RANKER_FEATURES.flatMap((name, column) => (ablate.has(name) ? [column] : []));
  for (const set of sets)
    for (const question of set.questions)
      for (const candidate of question.candidates)
        for (const column of ablatedColumns) candidate.values[column] = 0;

  // 1. The ranker: which candidate holds the answer, over answerable questions with at least one.
  const rankerQuestions = evaluated.flatMap((set) =>
    set.questions
      .filter(({ labels }) => labels.some(Boolean))
      .map((question) => ({ question, weight: set.weight > 1 ? 2 : 1 })),
  );
  const ranker = trainRanker(rankerQuestions);
  const rankerRows = rankerQuestions.reduce((sum, { question }) => sum + question.candidates.length, 0);
  const rankerScorer = new LogisticScorer(ranker);
  // The ranker out of fold: each question's first sentence from a ranker trained without its fold.
  const firstRightOutOfFold = new Map<QuestionData, boolean>();
  for (let fold = 0; fold < FOLDS; fold++) {
    const scorer = new LogisticScorer(
      trainRanker(rankerQuestions.filter(({ question }) => foldOf(question.group) !== fold)),
    );
    for (const { question } of rankerQuestions) {
      if (foldOf(question.group) !== fold) continue;
      const first = rankCandidates(question.candidates, scorer)[0];
      firstRightOutOfFold.set(
        question,
        first !== undefined && question.labels[question.candidates.indexOf(first.candidate)] === true,
      );
    }
  }

  // 2. The abstainer: whether the corpus answers the question at all, from the ranked candidates:
  // gradient-boosted trees on the sets that hold both kinds of question (plain SQuAD has no
  // unanswerable ones). Its threshold is chosen on out-of-fold confidences: each tuning question
  // is scored by a model trained without its fold, so the threshold meets the stated false
  // refusals on questions the model has not seen, as it must in use.
  const perSet = sets.map((set) => ({
    set,
    rows: set.questions.map((question) => {
      const ranked = rankCandidates(question.candidates, rankerScorer);
      const first = ranked[0];
      return {
        id: question.id,
        group: question.group,
        question: question.question,
        first: first === undefined ? '' : question.texts[question.candidates.indexOf(first.candidate)]!,
        answerable: question.answerable,
        features: questionFeatures(ranked, question.statistics).map((value, column) =>
          ablate.has(ABSTAINER_FEATURES[column]!) ? 0 : value,
        ),
        firstRight:
          first !== undefined && question.labels[question.candidates.indexOf(first.candidate)] === true,
        confidence: 0,
      };
    }),
  }));
  const augmentWith = new Set(flags.augment.split(','));
  const fitAbstainer = (keep: (group: string) => boolean) => {
    const rows: number[][] = [];
    const labels: number[] = [];
    const weights: number[] = [];
    for (const { set, rows: questions } of perSet) {
      if (set.name === 'squad' || (set.augmented && !augmentWith.has(set.name))) continue;
      for (const row of questions) {
        if (!keep(row.group)) continue;
        rows.push(row.features);
        labels.push(row.answerable ? 1 : 0);
        weights.push(set.weight);
      }
    }
    const started = performance.now();
    const model = fitBoostedTrees(rows, labels, weights, {
      rounds: Number(flags.rounds),
      maxDepth: Number(flags.depth),
    });
    process.stderr.write(
      `abstainer: ${rows.length} questions × ${ABSTAINER_FEATURES.length} features in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return { model, rows: rows.length };
  };
  for (let fold = 0; fold < FOLDS; fold++) {
    const scorer = new BoostedTrees(fitAbstainer((id) => foldOf(id) !== fold).model);
    for (const { rows } of perSet) {
      const held = rows.filter((row) => foldOf(row.group) === fold);
      const confidences = scorer.probabilities(held.map((row) => row.features));
      held.forEach((row, index) => {
        row.confidence = confidences[index]!;
      });
    }
  }
  // askStream refuses outright a question none of whose words the corpus uses.
  for (const { set, rows } of perSet)
    rows.forEach((row, index) => {
      if (!corpusKnowsAny(set.questions[index]!.statistics)) row.confidence = 0;
    });
  const fitted = fitAbstainer(() => true);
  const abstainer = { features: [...ABSTAINER_FEATURES], model: fitted.model };

  // 3. The refusal threshold on the out-of-fold tuning curve: the highest confidence at which the
  // tuning sets refuse, on average over the sets, at most the stated share of their answerable
  // questions (each set counts once, whatever its size).
  const curves = perSet
    .filter(({ set }) => !set.augmented)
    .map(({ set, rows }) => ({ name: set.name, rows, questions: set.questions }));
  const maxFalseRefusals = Number(flags['max-false-refusals']);
  const falseRefusals = (rows: (typeof curves)[number]['rows'], threshold: number) => {
    const answerable = rows.filter((row) => row.answerable);
    return answerable.filter((row) => row.confidence < threshold).length / Math.max(1, answerable.length);
  };
  let threshold = 0;
  for (let candidate = 0; candidate <= 0.95; candidate += 0.005) {
    const mean = average(curves.map(({ rows }) => falseRefusals(rows, candidate)));
    if (mean <= maxFalseRefusals) threshold = Math.round(candidate * 1000) / 1000;
  }
  // "May answer" band: between the threshold and the confidence at which answered questions
  // are right (first sentence holds the answer) 8 times in 10 on the pooled tuning questions.
  const pooled = curves.flatMap(({ rows }) => rows);
  let partialThreshold = threshold;
  for (let candidate = threshold; candidate <= 0.99; candidate += 0.005) {
    const answered = pooled.filter((row) => row.confidence >= candidate);
    if (answered.length === 0) break;
    const precision = answered.filter((row) => row.answerable && row.firstRight).length / answered.length;
    if (precision >= PARTIAL_PRECISION) {
      partialThreshold = Math.round(candidate * 1000) / 1000;
      break;
    }
  }
  if (flags.oof !== undefined) {
    const lines = curves.flatMap(({ name, rows }) =>
      rows.map((row) => JSON.stringify({ set: name, ...row })),
    );
    await writeFile(path.resolve(flags.oof), `${lines.join('\n')}\n`);
  }
  const summary = curves.map(({ name, rows, questions }) => {
    const answerable = rows.filter((row) => row.answerable);
    const unanswerable = rows.filter((row) => !row.answerable);
    return {
      set: name,
      questions: rows.length,
      answerable: answerable.length,
      // Among answerable questions with a candidate that holds the answer, by a ranker that never saw them.
      first_sentence_out_of_fold: round(
        average(
          questions
            .filter((question) => firstRightOutOfFold.has(question))
            .map((question) => (firstRightOutOfFold.get(question) ? 1 : 0)),
        ),
      ),
      first_sentence_contains: round(
        answerable.filter((row) => row.firstRight).length / Math.max(1, answerable.length),
      ),
      false_refusal_rate: round(falseRefusals(rows, threshold)),
      refusal_accuracy:
        unanswerable.length === 0
          ? null
          : round(unanswerable.filter((row) => row.confidence < threshold).length / unanswerable.length),
      // The set's own operating point at 10 % false refusals: compares models along the curve.
      refusal_at_10: unanswerable.length === 0 ? null : round(refusalAt(rows, 0.1)),
    };
  });
  console.table(summary);

  const weights: AnswerScorerWeights = {
    formatVersion: 2,
    ranker,
    abstainer,
    threshold,
    partialThreshold,
    training: {
      command: 'npm run train:answer-scorer',
      commit: gitCommit(),
      trainedAt: new Date().toISOString(),
      data: [
        `${squadFile} (plain and held out; articles whose title is in the tuning half; the abstainer also learns from the holdout with the odd paragraphs kept)`,
        'evals/bbc-questions.jsonl over bbc/articles (tuning half by id)',
        'evals/corpus-questions.jsonl over corpus/ (tuning half by id)',
      ],
      split:
        'tuning half: first byte of SHA-256(key) < 128; key = article title for SQuAD, question id otherwise',
      rankerRows,
      abstainerRows: fitted.rows,
      model: `ranker: logistic regression on pairs of candidates (one holding the answer, one not) with Newton steps, L2 0.01 on standardised features, then Platt scaling of its score; abstainer: gradient-boosted trees (src/answer/boosted-trees.ts: ${flags.rounds} × depth ${flags.depth}, learning rate 0.1, Newton leaves, 32 quantile split points, at least 20 weighted rows a side); BBC and corpus rows weighted ${smallSetWeight} in the abstainer, ${smallSetWeight > 1 ? 2 : 1} in the ranker`,
      thresholdRule: `highest confidence at which the tuning sets refuse on average at most ${maxFalseRefusals} of their answerable questions, on out-of-fold confidences (${FOLDS} folds by SHA-256 of the question's group: its SQuAD article or its first source)`,
      partialRule: `lowest confidence above the threshold at which ${PARTIAL_PRECISION} of pooled tuning answers have the answer in the first sentence`,
      tuning: summary,
      tuningNote:
        'false_refusal_rate and refusal_accuracy are out-of-fold: each question scored by a model trained without it',
    },
  };
  await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
  await writeFile(path.resolve(flags.out), `${JSON.stringify(weights, null, 1)}\n`);
  process.stderr.write(`wrote ${flags.out} (threshold ${threshold}, partial below ${partialThreshold})\n`);
}

/**
 * The ranker: a logistic regression on pairs of one question's candidates (one that holds the
 * answer against one that does not, both ways round; RankNet's reduction of ranking to
 * classification), so it learns what sets the answer apart within a question, not what makes a
 * question easy; each question weighs the same whatever its number of pairs. One more logistic
 * fit on its score (Platt scaling) turns the score into the probability that a candidate holds
 * the answer, which the extractive generator compares between sentences.
 */
function trainRanker(questions: Array<{ question: QuestionData; weight: number }>): ScorerModel {
  const features = [...RANKER_FEATURES];
  const columns = features.length;
  const all = questions.flatMap(({ question }) => question.candidates.map((candidate) => candidate.values));
  const mean = Array.from({ length: columns }, (_, column) => average(all.map((row) => row[column]!)));
  const scale = Array.from({ length: columns }, (_, column) => {
    const deviation = Math.sqrt(average(all.map((row) => (row[column]! - mean[column]!) ** 2)));
    return deviation > 1e-9 ? deviation : 1;
  });
  const spec = { mean, scale };
  const standardized = questions.map(({ question }) =>
    question.candidates.map((candidate) => standardize(candidate.values, spec)),
  );
  const pairs: number[][] = [];
  const pairLabels: number[] = [];
  const pairWeights: number[] = [];
  for (const [position, { question, weight }] of questions.entries()) {
    const rows = standardized[position]!;
    const right = rows.filter((_, index) => question.labels[index]);
    const wrong = rows.filter((_, index) => !question.labels[index]);
    for (const a of right)
      for (const b of wrong) {
        const difference = a.map((value, column) => value - b[column]!);
        pairs.push(
          difference,
          difference.map((value) => -value),
        );
        pairLabels.push(1, 0);
        const share = weight / (right.length * wrong.length);
        pairWeights.push(share, share);
      }
  }
  const started = performance.now();
  const pairwise = fitLogistic(pairs, pairLabels, pairWeights);
  const scores: number[][] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  for (const [position, { question, weight }] of questions.entries())
    standardized[position]!.forEach((row, index) => {
      scores.push([row.reduce((sum, value, column) => sum + value * pairwise.weights[column]!, 0)]);
      labels.push(question.labels[index] ? 1 : 0);
      weights.push(weight);
    });
  const platt = fitLogistic(scores, labels, weights);
  const slope = platt.weights[0]!;
  process.stderr.write(
    `ranker: ${pairs.length / 2} candidate pairs × ${columns} features, then Platt scaling, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return {
    features,
    mean,
    scale,
    model: { weights: pairwise.weights.map((value) => value * slope), bias: platt.bias },
  };
}

/** Share of unanswerable questions refused at the highest threshold that refuses at most `falseRefusals` of the answerable. */
function refusalAt(rows: Array<{ answerable: boolean; confidence: number }>, falseRefusals: number): number {
  const answerable = rows
    .filter((row) => row.answerable)
    .map((row) => row.confidence)
    .sort((a, b) => a - b);
  const unanswerable = rows.filter((row) => !row.answerable);
  const threshold = answerable[Math.floor(falseRefusals * answerable.length)] ?? 0;
  return unanswerable.filter((row) => row.confidence < threshold).length / Math.max(1, unanswerable.length);
}

/** Folds for the out-of-fold confidences the threshold is chosen on. */
const FOLDS = 4;

function foldOf(group: string): number {
  return createHash('sha256').update(`fold:${group}`).digest()[0]! % FOLDS;
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
