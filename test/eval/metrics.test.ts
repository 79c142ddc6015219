import { describe, expect, it } from 'vitest';
import {
  answerContains,
  hitAtK,
  isRight,
  ndcgAtK,
  normalizeAnswer,
  percentile,
  type QuestionResult,
  REPORT_METRICS,
  reciprocalRank,
  selectiveAnswering,
  summarize,
  thinCurve,
} from '../../src/eval/metrics.js';

describe('normalizeAnswer', () => {
  it('lowercases, drops punctuation and articles, and collapses whitespace', () => {
    expect(normalizeAnswer('The  Ahmed Jabari!')).toBe('ahmed jabari');
    expect(normalizeAnswer('An apple a day\tkeeps\n the doctor away.')).toBe('apple day keeps doctor away');
  });

  it('removes articles only as whole words', () => {
    expect(normalizeAnswer('Theater and anthem')).toBe('theater and anthem');
    expect(normalizeAnswer('THE')).toBe('');
  });

  it('deletes Unicode quotes and dashes like ASCII punctuation', () => {
    expect(normalizeAnswer('“Opened the gates of hell,” Hamas said')).toBe('opened gates of hell hamas said');
    expect(normalizeAnswer('there’s no military solution')).toBe('theres no military solution');
    expect(normalizeAnswer('Ban Ki‑moon – UN — chief')).toBe('ban kimoon un chief');
    expect(normalizeAnswer('mid-March')).toBe('midmarch');
  });

  it('deletes symbols and separators inside numbers', () => {
    expect(normalizeAnswer('$1,350 sites')).toBe('1350 sites');
    expect(normalizeAnswer('13.7.2011')).toBe('1372011');
  });

  it('folds full-width characters', () => {
    expect(normalizeAnswer('ＵＮ Ｓｅｃｕｒｉｔｙ')).toBe('un security');
  });
});

describe('answerContains', () => {
  const sentence =
    'Last week, as part of its Operation Pillar of Defense, the Israeli military killed Hamas leader Ahmed Jabari while he was traveling in a car.';

  it('finds any one gold answer, ignoring case, punctuation and articles', () => {
    expect(answerContains(sentence, ['Mohammed Deif', 'Jabari'])).toBe(true);
    expect(answerContains(sentence, ['the Operation Pillar of Defense'])).toBe(true);
    expect(
      answerContains('Hamas said Israel had “opened the gates of hell” with the attack.', [
        'opened the gates of hell',
      ]),
    ).toBe(true);
  });

  it('matches on word boundaries only', () => {
    expect(answerContains('The Jabarian family', ['Jabari'])).toBe(false);
    expect(answerContains('deaths reaching 2,700 people', ['700'])).toBe(false);
    expect(answerContains('deaths reaching 2,700 people', ['2,700'])).toBe(true);
  });

  it('finds an answer at the end of a sentence glued to the next one', () => {
    expect(
      answerContains('an intervention similar to the one which happened in Libya.The US, on the other hand', [
        'Libya',
      ]),
    ).toBe(true);
  });

  it('never matches without a usable gold answer', () => {
    expect(answerContains(sentence, [])).toBe(false);
    expect(answerContains(sentence, ['The', '  '])).toBe(false);
    expect(answerContains('', ['Jabari'])).toBe(false);
  });
});

describe('source ranking metrics', () => {
  it('scores one gold source at rank 2', () => {
    const ranked = ['x.txt', 'gold.txt', 'y.txt'];
    const gold = ['gold.txt'];
    expect(hitAtK(ranked, gold, 1)).toBe(0);
    expect(hitAtK(ranked, gold, 3)).toBe(1);
    expect(reciprocalRank(ranked, gold)).toBe(0.5);
    // DCG = 1/log2(2 + 1); ideal DCG = 1/log2(2) = 1.
    expect(ndcgAtK(ranked, gold)).toBeCloseTo(1 / Math.log2(3), 10);
  });

  it('scores two gold sources at ranks 1 and 3', () => {
    const ranked = ['a.txt', 'x.txt', 'b.txt'];
    const gold = ['b.txt', 'a.txt'];
    expect(hitAtK(ranked, gold, 1)).toBe(1);
    expect(reciprocalRank(ranked, gold)).toBe(1);
    // DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) ≈ 1.6309; nDCG ≈ 0.9197.
    expect(ndcgAtK(ranked, gold)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 10);
    expect(ndcgAtK(ranked, gold)).toBeCloseTo(0.9197, 4);
  });

  it('limits the ideal DCG to k gold sources', () => {
    // Three gold sources but k = 1: ideal DCG counts one, so a gold source first is perfect.
    expect(ndcgAtK(['a.txt', 'b.txt'], ['a.txt', 'b.txt', 'c.txt'], 1)).toBe(1);
  });

  it('gives zero when no gold source is found', () => {
    const ranked = ['x.txt', 'y.txt'];
    expect(hitAtK(ranked, ['gold.txt'], 5)).toBe(0);
    expect(reciprocalRank(ranked, ['gold.txt'])).toBe(0);
    expect(ndcgAtK(ranked, ['gold.txt'])).toBe(0);
    expect(ndcgAtK(ranked, [])).toBe(0);
    expect(hitAtK([], ['gold.txt'], 1)).toBe(0);
  });

  it('ignores gold sources beyond the cutoff', () => {
    const ranked = [...Array.from({ length: 10 }, (_, index) => `x${index}.txt`), 'gold.txt'];
    expect(reciprocalRank(ranked, ['gold.txt'])).toBe(0);
    expect(reciprocalRank(ranked, ['gold.txt'], 11)).toBeCloseTo(1 / 11, 10);
    expect(ndcgAtK(ranked, ['gold.txt'], 10)).toBe(0);
    expect(hitAtK(ranked, ['gold.txt'], 10)).toBe(0);
  });

  it('counts a repeated source once, at its best rank', () => {
    const ranked = ['x.txt', 'x.txt', 'gold.txt', 'gold.txt'];
    expect(reciprocalRank(ranked, ['gold.txt'])).toBe(0.5);
    expect(hitAtK(ranked, ['gold.txt'], 2)).toBe(1);
    expect(ndcgAtK(ranked, ['gold.txt'])).toBeCloseTo(1 / Math.log2(3), 10);
  });
});

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least p% of values at or below it', () => {
    const values = [50, 15, 40, 35, 20];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 30)).toBe(20); // rank ceil(0.3 × 5) = 2
    expect(percentile(values, 40)).toBe(20); // rank 2
    expect(percentile(values, 50)).toBe(35); // rank ceil(2.5) = 3
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, index) => index + 1),
        95,
      ),
    ).toBe(19);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('gives null for no values and rejects p outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  const result = (
    fields: Partial<QuestionResult> & Pick<QuestionResult, 'id' | 'answerable'>,
  ): QuestionResult => ({
    rankedSources: [],
    goldSources: [],
    answer: '',
    goldAnswers: [],
    grounded: false,
    citedSources: [],
    firstQuote: null,
    confidence: 0,
    citationsValid: 0,
    citationsTotal: 0,
    latencyMs: 0,
    ...fields,
  });

  const results: QuestionResult[] = [
    // A: gold first, answer right, two valid citations of the gold source.
    result({
      id: 'A',
      answerable: true,
      rankedSources: ['a', 'b'],
      goldSources: ['a'],
      answer: 'Hamas leader Ahmed Jabari was killed.',
      goldAnswers: ['Jabari'],
      grounded: true,
      citedSources: ['a', 'a'],
      firstQuote: 'Hamas leader Ahmed Jabari was killed.',
      confidence: 0.9,
      citationsValid: 2,
      citationsTotal: 2,
      latencyMs: 100,
    }),
    // B: gold second, answer wrong, cites the gold source and another, one citation invalid.
    result({
      id: 'B',
      answerable: true,
      rankedSources: ['c', 'b', 'd'],
      goldSources: ['b'],
      answer: 'Something else.',
      goldAnswers: ['Cambodia'],
      grounded: true,
      citedSources: ['b', 'c'],
      firstQuote: 'Something else.',
      confidence: 0.6,
      citationsValid: 1,
      citationsTotal: 2,
      latencyMs: 300,
    }),
    // C: gold not retrieved, the system declined (a false refusal).
    result({
      id: 'C',
      answerable: true,
      rankedSources: ['c', 'd'],
      goldSources: ['e'],
      goldAnswers: ['Libya'],
      confidence: 0.7,
      latencyMs: 200,
    }),
    // D: unanswerable, correctly declined.
    result({ id: 'D', answerable: false, rankedSources: ['a'], confidence: 0.1, latencyMs: 50 }),
    // E: unanswerable, answered anyway with one invalid citation.
    result({
      id: 'E',
      answerable: false,
      rankedSources: ['b'],
      answer: 'Made up.',
      grounded: true,
      citedSources: ['b'],
      firstQuote: 'Made up.',
      confidence: 0.6,
      citationsTotal: 1,
      latencyMs: 400,
    }),
  ];
  const config = { embedder: 'glove-100d', topK: 8 };

  it('computes every number as worked out by hand', () => {
    const report = summarize(results, config);
    expect(Object.keys(report).sort()).toEqual([...REPORT_METRICS, 'risk_coverage', 'config'].sort());
    expect(report.n).toBe(5);
    expect(report.n_answerable).toBe(3);
    expect(report.n_unanswerable).toBe(2);
    // Answerable A, B, C: hit@1 = (1 + 0 + 0) / 3; hit@3 = hit@5 = (1 + 1 + 0) / 3.
    expect(report.hit_at_1).toBeCloseTo(1 / 3, 10);
    expect(report.hit_at_3).toBeCloseTo(2 / 3, 10);
    expect(report.hit_at_5).toBeCloseTo(2 / 3, 10);
    // MRR = (1 + 1/2 + 0) / 3 = 0.5.
    expect(report.mrr).toBeCloseTo(0.5, 10);
    // nDCG@10 = (1 + 1/log2(3) + 0) / 3 ≈ 0.5436.
    expect(report.ndcg_at_10).toBeCloseTo((1 + 1 / Math.log2(3)) / 3, 10);
    // Only A's answer contains its gold answer: 1 / 3.
    expect(report.answer_contains).toBeCloseTo(1 / 3, 10);
    // A cites {a}: 1/1; B cites {b, c}: 1/2; C cites nothing and is left out: (1 + 0.5) / 2.
    expect(report.citation_precision).toBeCloseTo(0.75, 10);
    // Valid 2 + 1 + 0 = 3 of 2 + 2 + 1 = 5 citations, over all questions.
    expect(report.citation_valid).toBeCloseTo(0.6, 10);
    // D declined, E did not: 1 / 2.
    expect(report.refusal_accuracy).toBeCloseTo(0.5, 10);
    // C declined among A, B, C: 1 / 3.
    expect(report.false_refusal_rate).toBeCloseTo(1 / 3, 10);
    // Latencies sorted 50, 100, 200, 300, 400: p50 is rank ceil(2.5) = 3, p95 rank ceil(4.75) = 5.
    expect(report.latency_p50_ms).toBe(200);
    expect(report.latency_p95_ms).toBe(400);
    expect(report.config).toBe(config);
    // First quotes: A's holds "Jabari", B's does not, C has none: 1 / 3.
    expect(report.first_sentence_contains).toBeCloseTo(1 / 3, 10);
    // Answered: A (0.9, right), then B and E tied at 0.6 (both wrong); C (0.7) and D declined.
    expect(report.risk_coverage).toEqual([
      { confidence: 0.9, coverage: 1 / 5, precision: 1 },
      { confidence: 0.6, coverage: 3 / 5, precision: 1 / 3 },
    ]);
    expect(report.answered_coverage).toBeCloseTo(3 / 5, 10);
    expect(report.answered_precision).toBeCloseTo(1 / 3, 10);
    // Area: (1 × 1 + 2 × 1/3) / 5 = 1/3; precision ≥ 0.9 only at the first step, coverage 1/5.
    expect(report.precision_coverage_area).toBeCloseTo(1 / 3, 10);
    expect(report.coverage_at_90_precision).toBeCloseTo(1 / 5, 10);
  });

  it('scores the first quoted sentence alone in first_sentence_contains', () => {
    const report = summarize(
      [
        result({
          id: 'second',
          answerable: true,
          grounded: true,
          answer: 'Talks went on. Ahmed Jabari was killed.',
          firstQuote: 'Talks went on.',
          goldAnswers: ['Jabari'],
        }),
      ],
      {},
    );
    expect(report.answer_contains).toBe(1);
    expect(report.first_sentence_contains).toBe(0);
  });

  it('gives null for rates without questions to average over, and 1 for no citations', () => {
    const empty = summarize([], {});
    expect(empty).toMatchObject({
      n: 0,
      n_answerable: 0,
      n_unanswerable: 0,
      hit_at_1: null,
      mrr: null,
      ndcg_at_10: null,
      answer_contains: null,
    });
    expect(empty).toMatchObject({
      first_sentence_contains: null,
      answered_coverage: null,
      answered_precision: null,
      precision_coverage_area: null,
      coverage_at_90_precision: null,
      risk_coverage: [],
      citation_precision: null,
      citation_valid: 1,
      refusal_accuracy: null,
      false_refusal_rate: null,
      latency_p50_ms: null,
      latency_p95_ms: null,
    });

    const onlyAnswerable = summarize(
      results.filter((item) => item.answerable),
      {},
    );
    expect(onlyAnswerable.refusal_accuracy).toBeNull();
    expect(onlyAnswerable.hit_at_1).toBeCloseTo(1 / 3, 10);

    const onlyRefusals = summarize([results[2]!, results[3]!], {});
    expect(onlyRefusals.citation_precision).toBeNull();
    expect(onlyRefusals.citation_valid).toBe(1);
    expect(onlyRefusals.refusal_accuracy).toBe(1);
    expect(onlyRefusals.false_refusal_rate).toBe(1);
  });
});

describe('selective answering', () => {
  const answered = (confidence: number, right: boolean) => ({
    answerable: true,
    grounded: true,
    answer: right ? 'It was Jabari.' : 'Someone else.',
    goldAnswers: ['Jabari'],
    confidence,
  });

  it('counts as right only an answered, answerable question whose answer holds a gold answer', () => {
    expect(isRight(answered(0.5, true))).toBe(true);
    expect(isRight(answered(0.5, false))).toBe(false);
    expect(isRight({ ...answered(0.5, true), grounded: false })).toBe(false);
    expect(isRight({ ...answered(0.5, true), answerable: false })).toBe(false);
  });

  it('rewards ranking right answers above wrong ones', () => {
    // R W R R: precisions 1, 1/2, 2/3, 3/4 → area (1 + 1/2 + 2/3 + 3/4) / 4; ≥ 0.9 only at 1/4.
    const mixed = selectiveAnswering([
      answered(0.9, true),
      answered(0.8, false),
      answered(0.7, true),
      answered(0.6, true),
    ]);
    expect(mixed.area).toBeCloseTo((1 + 1 / 2 + 2 / 3 + 3 / 4) / 4, 10);
    expect(mixed.coverageAt90).toBe(0.25);
    expect(mixed.curve.map((point) => point.precision)).toEqual([1, 1 / 2, 2 / 3, 3 / 4]);
    // The same answers with the wrong one least confident: R R R W.
    const sorted = selectiveAnswering([
      answered(0.9, true),
      answered(0.5, false),
      answered(0.7, true),
      answered(0.6, true),
    ]);
    expect(sorted.area).toBeCloseTo((1 + 1 + 1 + 3 / 4) / 4, 10);
    expect(sorted.coverageAt90).toBe(0.75);
  });

  it('never answers a declined question, and counts an answered unanswerable one as wrong', () => {
    const curve = selectiveAnswering([
      { ...answered(0.99, true), grounded: false },
      { ...answered(0.95, false), answerable: false, goldAnswers: [] },
      answered(0.9, true),
      answered(0.8, true),
    ]);
    // Declined first question left out; 0.95 wrong, then 0.9 and 0.8 right, out of 4 questions.
    expect(curve.curve).toEqual([
      { confidence: 0.95, coverage: 0.25, precision: 0 },
      { confidence: 0.9, coverage: 0.5, precision: 0.5 },
      { confidence: 0.8, coverage: 0.75, precision: 2 / 3 },
    ]);
    expect(curve.area).toBeCloseTo((0 + 0.5 + 2 / 3) / 4, 10);
    expect(curve.coverageAt90).toBe(0);
  });

  it('treats tied confidences as one step, whatever their order', () => {
    const one = selectiveAnswering([answered(0.5, true), answered(0.5, false), answered(0.4, true)]);
    const other = selectiveAnswering([answered(0.5, false), answered(0.5, true), answered(0.4, true)]);
    expect(one).toEqual(other);
    expect(one.curve).toEqual([
      { confidence: 0.5, coverage: 2 / 3, precision: 0.5 },
      { confidence: 0.4, coverage: 1, precision: 2 / 3 },
    ]);
    expect(one.area).toBeCloseTo((2 * 0.5 + 2 / 3) / 3, 10);
  });

  it('gives 1 for all answered and right, 0 for all declined, null for no questions', () => {
    expect(selectiveAnswering([answered(0.2, true), answered(0.1, true)])).toMatchObject({
      area: 1,
      coverageAt90: 1,
    });
    expect(selectiveAnswering([{ ...answered(0.9, true), grounded: false }])).toEqual({
      curve: [],
      area: 0,
      coverageAt90: 0,
    });
    expect(selectiveAnswering([])).toEqual({ curve: [], area: null, coverageAt90: null });
  });

  it('thins a long curve to about 100 points, keeping both ends', () => {
    const curve = Array.from({ length: 250 }, (_, index) => ({
      confidence: 1 - index / 250,
      coverage: (index + 1) / 250,
      precision: 1,
    }));
    const thin = thinCurve(curve);
    expect(thin.length).toBeLessThanOrEqual(101);
    expect(thin.length).toBeGreaterThan(50);
    expect(thin[0]).toBe(curve[0]);
    expect(thin.at(-1)).toBe(curve.at(-1));
    expect(thinCurve(curve.slice(0, 80))).toHaveLength(80);
  });
});
