/**
 * Evaluation metrics: answer matching, source ranking quality, citation quality, refusals and
 * latency. Pure functions, no I/O.
 */

const PUNCTUATION = /[\p{P}\p{S}]/gu;
/** Punctuation inside a number (`2,700`, `13.7.2011`), which stays deleted so numbers stay whole. */
const PUNCTUATION_IN_NUMBER = /(?<=\d)[\p{P}\p{S}]+(?=\d)/gu;
const ARTICLES = new Set(['a', 'an', 'the']);

function normalize(text: string, punctuation: 'delete' | 'space'): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(PUNCTUATION_IN_NUMBER, '')
    .replace(PUNCTUATION, punctuation === 'delete' ? '' : ' ')
    .split(/\s+/)
    .filter((word) => word !== '' && !ARTICLES.has(word))
    .join(' ');
}

/**
 * SQuAD's answer normalisation: lowercase, delete punctuation, remove the articles a/an/the and
 * collapse whitespace. Punctuation is every Unicode punctuation or symbol character, so curly
 * quotes, dashes and `$` go too (SQuAD's ASCII list plus their Unicode relatives). The text is
 * NFKC-normalised first so full-width and compatibility characters compare equal.
 *
 * @example
 * normalizeAnswer('“The Ahmed-Jabari”!') // 'ahmedjabari'
 */
export function normalizeAnswer(text: string): string {
  return normalize(text, 'delete');
}

/**
 * True when one of the gold answers, normalised, appears in the normalised answer on word
 * boundaries. A gold answer that normalises to nothing (e.g. `"The"`) never matches.
 *
 * Besides SQuAD's normalisation, the check is also tried with punctuation turned into spaces:
 * scraped news text often glues sentences together (`"in Libya.The US"`), and deleting the full
 * stop would merge `libya` and `the` into one word that no gold answer can match. Punctuation
 * inside numbers is deleted in both forms, so gold `700` never matches `2,700`.
 *
 * @example
 * answerContains('The Israeli military killed Hamas leader Ahmed Jabari.', ['Jabari']) // true
 */
export function answerContains(answerText: string, goldAnswers: string[]): boolean {
  return answerMatcher(answerText)(goldAnswers);
}

/**
 * {@link answerContains} with the text normalised once, for checking many gold-answer lists
 * against the same text.
 *
 * @example
 * const inParagraph = answerMatcher(paragraph);
 * questions.filter((question) => inParagraph(question.answers));
 */
export function answerMatcher(text: string): (goldAnswers: string[]) => boolean {
  const forms = (['delete', 'space'] as const).map((punctuation) => ({
    punctuation,
    text: ` ${normalize(text, punctuation)} `,
  }));
  return (goldAnswers) =>
    forms.some((form) =>
      goldAnswers.some((gold) => {
        const normalizedGold = normalize(gold, form.punctuation);
        return normalizedGold !== '' && form.text.includes(` ${normalizedGold} `);
      }),
    );
}

/** Ranked sources with repeats removed, keeping each source's best rank. */
function unique(sources: string[]): string[] {
  return [...new Set(sources)];
}

/**
 * 1 when a gold source is among the first `k` ranked sources, else 0.
 *
 * @param rankedSources - sources in rank order, best first (repeats are ignored)
 */
export function hitAtK(rankedSources: string[], goldSources: string[], k: number): number {
  const gold = new Set(goldSources);
  return unique(rankedSources)
    .slice(0, k)
    .some((source) => gold.has(source))
    ? 1
    : 0;
}

/**
 * 1 / rank of the first gold source (ranks start at 1), or 0 when none is within `cutoff`.
 *
 * @param cutoff - ranks beyond this count as not found. @default 10
 */
export function reciprocalRank(rankedSources: string[], goldSources: string[], cutoff = 10): number {
  const gold = new Set(goldSources);
  const index = unique(rankedSources)
    .slice(0, cutoff)
    .findIndex((source) => gold.has(source));
  return index === -1 ? 0 : 1 / (index + 1);
}

/**
 * Normalised discounted cumulative gain with binary relevance: DCG = Σ 1 / log2(rank + 1) over
 * gold sources in the first `k`, divided by the ideal DCG of min(|gold|, k) gold sources ranked
 * first. 0 when there is no gold source.
 *
 * @param k - cut-off rank. @default 10
 */
export function ndcgAtK(rankedSources: string[], goldSources: string[], k = 10): number {
  const gold = new Set(goldSources);
  let dcg = 0;
  for (const [index, source] of unique(rankedSources).slice(0, k).entries()) {
    if (gold.has(source)) dcg += 1 / Math.log2(index + 2);
  }
  let idealDcg = 0;
  for (let index = 0; index < Math.min(gold.size, k); index++) idealDcg += 1 / Math.log2(index + 2);
  return idealDcg === 0 ? 0 : dcg / idealDcg;
}

/**
 * The `p`-th percentile by the nearest-rank method: the smallest value such that at least `p`%
 * of the values are less than or equal to it (no interpolation, always one of the values).
 * `null` for an empty list.
 *
 * @param p - percentile in [0, 100]; 0 gives the minimum, 100 the maximum
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

/** What happened to one evaluation question, as `summarize` needs it. */
export interface QuestionResult {
  id: string;
  /** False when the corpus does not answer the question and the system should decline. */
  answerable: boolean;
  /** Sources of the retrieved passages, deduplicated, in rank order. */
  rankedSources: string[];
  goldSources: string[];
  answer: string;
  goldAnswers: string[];
  /** False when the system declined to answer. */
  grounded: boolean;
  /** Source of each citation in the answer (repeats allowed). */
  citedSources: string[];
  /** The first citation's quote: the sentence the answer leads with; `null` without citations. */
  firstQuote: string | null;
  /** The answer's `confidence` in [0, 1], refusals included. */
  confidence: number;
  /** Citations whose quote is exactly the text at their offsets in the source. */
  citationsValid: number;
  citationsTotal: number;
  latencyMs: number;
}

/**
 * Aggregate scores of one evaluation run. Every rate is in [0, 1] and is `null` when its
 * denominator is 0 (e.g. `refusal_accuracy` for a set without unanswerable questions), except
 * `citation_valid`, which is 1 when there are no citations at all.
 */
export interface EvalReport<Config = Record<string, unknown>> {
  n: number;
  n_answerable: number;
  n_unanswerable: number;
  /** Mean over answerable questions of {@link hitAtK} with k = 1. */
  hit_at_1: number | null;
  /** Mean over answerable questions of {@link hitAtK} with k = 3. */
  hit_at_3: number | null;
  /** Mean over answerable questions of {@link hitAtK} with k = 5. */
  hit_at_5: number | null;
  /** Mean over answerable questions of {@link reciprocalRank} with cutoff 10. */
  mrr: number | null;
  /** Mean over answerable questions of {@link ndcgAtK} with k = 10. */
  ndcg_at_10: number | null;
  /** Share of answerable questions whose answer contains a gold answer ({@link answerContains}). */
  answer_contains: number | null;
  /**
   * Share of answerable questions whose first quoted sentence (`firstQuote`) contains a gold
   * answer ({@link answerContains}); a refusal has no first sentence and counts as a miss.
   */
  first_sentence_contains: number | null;
  /**
   * Macro average over answerable questions that cite at least one source of the share of their
   * distinct cited sources that are gold sources. Each question weighs the same however many
   * citations it has; questions without citations (refusals) are left out.
   */
  citation_precision: number | null;
  /** Valid citations / all citations over every question; 1 when there are no citations. */
  citation_valid: number;
  /** Share of unanswerable questions the system declined (`grounded === false`). */
  refusal_accuracy: number | null;
  /** Share of answerable questions the system declined (`grounded === false`). */
  false_refusal_rate: number | null;
  /** Share of all questions the system answered (`grounded`): the end of the risk-coverage curve. */
  answered_coverage: number | null;
  /** Share of answered questions whose answer is right ({@link isRight}): precision at that end. */
  answered_precision: number | null;
  /**
   * Area under the precision-coverage curve ({@link selectiveAnswering}), over coverage [0, 1];
   * 1 is every question answered and right. Higher is better.
   */
  precision_coverage_area: number | null;
  /** Largest coverage at which precision is still ≥ 0.9 ({@link selectiveAnswering}); 0 if none. */
  coverage_at_90_precision: number | null;
  /** The curve itself, thinned to about 100 points ({@link selectiveAnswering}). */
  risk_coverage: CurvePoint[];
  /** Median latency over all questions, nearest-rank ({@link percentile}). */
  latency_p50_ms: number | null;
  /** 95th percentile latency over all questions, nearest-rank. */
  latency_p95_ms: number | null;
  /** The run's settings, passed through unchanged. */
  config: Config;
}

/**
 * The figures of an {@link EvalReport} in the order every table shows them: `footnote eval`'s
 * report and the tables `scripts/evals-markdown.mjs` writes into EVALS.md.
 */
export const REPORT_METRICS = [
  'n',
  'n_answerable',
  'n_unanswerable',
  'hit_at_1',
  'hit_at_3',
  'hit_at_5',
  'mrr',
  'ndcg_at_10',
  'answer_contains',
  'first_sentence_contains',
  'citation_precision',
  'citation_valid',
  'refusal_accuracy',
  'false_refusal_rate',
  'answered_coverage',
  'answered_precision',
  'precision_coverage_area',
  'coverage_at_90_precision',
  'latency_p50_ms',
  'latency_p95_ms',
] as const satisfies ReadonlyArray<Exclude<keyof EvalReport, 'config' | 'risk_coverage'>>;

/**
 * Whether a question counts as answered right in the selective-answering measures: it is
 * answerable, the system answered it (`grounded`), and the answer contains a gold answer
 * ({@link answerContains}). An answered unanswerable question is wrong.
 */
export function isRight(
  result: Pick<QuestionResult, 'answerable' | 'grounded' | 'answer' | 'goldAnswers'>,
): boolean {
  return result.answerable && result.grounded && answerContains(result.answer, result.goldAnswers);
}

/** One point of the risk-coverage curve. */
export interface CurvePoint {
  /** Confidence threshold: answers with at least this confidence are kept. */
  confidence: number;
  /** Answered questions kept / all questions. */
  coverage: number;
  /** Right answers among those kept ({@link isRight}); the risk is 1 − precision. */
  precision: number;
}

/** The risk-coverage curve and the numbers read off it. */
export interface SelectiveAnswering {
  /** One point per distinct confidence of an answered question, highest confidence first. */
  curve: CurvePoint[];
  /** See {@link EvalReport.precision_coverage_area}. */
  area: number | null;
  /** See {@link EvalReport.coverage_at_90_precision}. */
  coverageAt90: number | null;
}

/**
 * Selective answering from each answer's `confidence`: what the system achieves if it also
 * declines every answer below a confidence threshold, for every threshold.
 *
 * Questions the system answered (`grounded`) are sorted by confidence, highest first; questions it
 * declined are never answered, at any threshold. At each distinct confidence `c` (ties form one
 * step, so the order among equal confidences does not matter): coverage = answered questions with
 * confidence ≥ `c` / all questions, precision = the right ones ({@link isRight}) among them.
 *
 * `area` is the area under precision as a step function of coverage over [0, 1], precision taken as
 * 0 past the last answered question: (1/n) Σ over answered questions i, in order, of the
 * precision of the step i ends, with n all questions. It is 1 only when every question is
 * answered and right; answering more right questions, or ranking the right ones above the wrong
 * ones, raises it; refusing everything gives 0. (It is 1 − AURC, the area under the
 * risk-coverage curve, when nothing is declined.)
 *
 * `coverageAt90` is the largest coverage of a point whose precision is ≥ 0.9 (0 when there is none).
 * Both are `null` for no questions.
 *
 * @example
 * // Right at 0.9, wrong at 0.8, one declined: area (1 + 1/2) / 3 = 0.5, coverageAt90 1/3.
 * const question = { answerable: true, goldAnswers: ['Jabari'] };
 * selectiveAnswering([
 *   { ...question, grounded: true, answer: 'Jabari.', confidence: 0.9 },
 *   { ...question, grounded: true, answer: 'Lavrov.', confidence: 0.8 },
 *   { ...question, grounded: false, answer: '', confidence: 0.95 },
 * ]).area // 0.5
 */
export function selectiveAnswering(
  results: Array<Pick<QuestionResult, 'answerable' | 'grounded' | 'answer' | 'goldAnswers' | 'confidence'>>,
): SelectiveAnswering {
  const n = results.length;
  if (n === 0) return { curve: [], area: null, coverageAt90: null };
  const answered = results
    .filter((result) => result.grounded)
    .map((result) => ({ confidence: result.confidence, right: isRight(result) }))
    .sort((left, right) => right.confidence - left.confidence);
  const curve: CurvePoint[] = [];
  let area = 0;
  let coverageAt90 = 0;
  let kept = 0;
  let right = 0;
  for (let index = 0; index < answered.length; ) {
    const confidence = answered[index]!.confidence;
    let step = 0;
    for (; index < answered.length && answered[index]!.confidence === confidence; index++, step++)
      if (answered[index]!.right) right++;
    kept += step;
    const precision = right / kept;
    area += (step * precision) / n;
    if (precision >= 0.9) coverageAt90 = kept / n;
    curve.push({ confidence, coverage: kept / n, precision });
  }
  return { curve, area, coverageAt90 };
}

/**
 * About `size` points of a curve, evenly spaced along it, always with its first and last point,
 * so a report stays small while the curve keeps its shape.
 */
export function thinCurve(curve: CurvePoint[], size = 100): CurvePoint[] {
  if (curve.length <= size) return curve;
  const every = Math.ceil(curve.length / size);
  return curve.filter((_, index) => index % every === 0 || index === curve.length - 1);
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Aggregates per-question results into one report. See {@link EvalReport} for how each number is
 * averaged; a rate with no questions to average over is `null`.
 *
 * @param config - recorded in the report as is (embedder, retrieval settings, ...)
 */
export function summarize<Config = Record<string, unknown>>(
  results: QuestionResult[],
  config: Config,
): EvalReport<Config> {
  const answerable = results.filter((result) => result.answerable);
  const unanswerable = results.filter((result) => !result.answerable);
  const overAnswerable = (score: (result: QuestionResult) => number) => mean(answerable.map(score));

  const citationPrecisions: number[] = [];
  for (const result of answerable) {
    const cited = unique(result.citedSources);
    if (cited.length === 0) continue;
    const gold = new Set(result.goldSources);
    citationPrecisions.push(cited.filter((source) => gold.has(source)).length / cited.length);
  }

  const citationsTotal = results.reduce((sum, result) => sum + result.citationsTotal, 0);
  const citationsValid = results.reduce((sum, result) => sum + result.citationsValid, 0);
  const latencies = results.map((result) => result.latencyMs);
  const selective = selectiveAnswering(results);
  const answered = results.filter((result) => result.grounded);

  return {
    n: results.length,
    n_answerable: answerable.length,
    n_unanswerable: unanswerable.length,
    hit_at_1: overAnswerable((result) => hitAtK(result.rankedSources, result.goldSources, 1)),
    hit_at_3: overAnswerable((result) => hitAtK(result.rankedSources, result.goldSources, 3)),
    hit_at_5: overAnswerable((result) => hitAtK(result.rankedSources, result.goldSources, 5)),
    mrr: overAnswerable((result) => reciprocalRank(result.rankedSources, result.goldSources, 10)),
    ndcg_at_10: overAnswerable((result) => ndcgAtK(result.rankedSources, result.goldSources, 10)),
    answer_contains: overAnswerable((result) => (answerContains(result.answer, result.goldAnswers) ? 1 : 0)),
    first_sentence_contains: overAnswerable((result) =>
      result.firstQuote !== null && answerContains(result.firstQuote, result.goldAnswers) ? 1 : 0,
    ),
    citation_precision: mean(citationPrecisions),
    citation_valid: citationsTotal === 0 ? 1 : citationsValid / citationsTotal,
    refusal_accuracy: mean(unanswerable.map((result) => (result.grounded ? 0 : 1))),
    false_refusal_rate: overAnswerable((result) => (result.grounded ? 0 : 1)),
    answered_coverage: results.length === 0 ? null : answered.length / results.length,
    answered_precision: mean(answered.map((result) => (isRight(result) ? 1 : 0))),
    precision_coverage_area: selective.area,
    coverage_at_90_precision: selective.coverageAt90,
    latency_p50_ms: percentile(latencies, 50),
    latency_p95_ms: percentile(latencies, 95),
    risk_coverage: thinCurve(selective.curve),
    config,
  };
}
