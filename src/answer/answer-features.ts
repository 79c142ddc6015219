import { analyze, STOP_WORDS } from '../text/index.js';
import { isFactoid, type QuestionAnalysis } from './question-analysis.js';
import { answerSpans, type TypedSpan, typedSpans } from './sentence-analysis.js';
import type { ScoredSentence } from './types.js';

/** Names of the ranker's features, in the order of {@link CandidateFeatures.values}. */
export const RANKER_FEATURES = [
  'evidence',
  'coverage',
  'similarity',
  'passage_score',
  'source_coverage',
  'passage_coverage',
  'focus_coverage',
  'topic_coverage',
  'alignment',
  'focus_alignment',
  'answer_span',
  'missing_answer_span',
  'novelty',
  'length',
  'number_match',
] as const;

/** Names of the abstainer's features, in the order {@link questionFeatures} returns them. */
export const ABSTAINER_FEATURES = [
  'top_coverage',
  'best_coverage',
  'second_coverage',
  'top_evidence',
  'top_focus_coverage',
  'best_focus_coverage',
  'top_topic_coverage',
  'top_alignment',
  'best_alignment',
  'top_focus_alignment',
  'top_similarity',
  'top_answer_span',
  'top_missing_answer_span',
  'span_coverage',
  'best_source_coverage',
  'best_passage_coverage',
  'top_passage_score',
  'top_missing_idf',
  'unknown_share',
  'corpus_focus',
  'factoid',
  'top_number_match',
  'best_number_match',
  'top_weakest_alignment',
  'best_weakest_alignment',
  'top_weakest_focus',
] as const;

/** One candidate sentence with what the models look at. */
export interface CandidateFeatures {
  sentence: ScoredSentence;
  /** Values in the order of {@link RANKER_FEATURES}. */
  values: number[];
  /** The typed span that would answer the question, if the sentence has one. */
  answerSpan?: TypedSpan;
  /** IDF of the rarest question term the sentence lacks, over the largest possible. */
  missingIdf: number;
  /**
   * Alignment of the question's worst-aligned content word, and of its worst-aligned focus word
   * (1 without any): one asked-for word the sentence never echoes ("coaches", "born") tells a
   * near miss, where an IDF-weighted share dilutes it among the topic words.
   */
  weakest: { all: number; focus: number };
}

/** What feature extraction needs from the index. */
export interface FeatureContext {
  /** IDF of an analysed term. */
  idf: (term: string) => number;
  /** Chunks that contain an analysed term (0: the corpus never uses it). */
  documentFrequency: (term: string) => number;
  /** The largest IDF a term can have in this index (a term in one chunk). */
  maxIdf: number;
  /** Unit word vectors for the words, or undefined where unknown; absent: exact and variant matches only. */
  wordVectors?: (words: string[]) => Promise<Array<Float32Array | undefined>>;
  /** Retrieval score of each passage over the best one, by passage index. */
  passageScore: (passageIndex: number) => number;
  /** How much of the question the passage's whole source covers, by passage index. */
  sourceCoverage: (passageIndex: number) => number;
  /** How much of the question the passage covers, by passage index. */
  passageCoverage: (passageIndex: number) => number;
  /**
   * Analysed terms of the passage's document title, by passage index: the topic the document
   * is about, which a question about it shares without that telling anything about the answer.
   */
  titleTerms: (passageIndex: number) => ReadonlySet<string>;
}

/** Words of a text as they are looked up in the word vectors, with their analysed term. */
function contentWords(text: string): Array<{ word: string; term: string }> {
  const words: Array<{ word: string; term: string }> = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)) {
    const word = match[0];
    if (STOP_WORDS.has(word)) continue;
    const term = analyze(word)[0];
    if (term) words.push({ word, term });
  }
  return words;
}

/** Two terms are variants of one word ("russia" / "russian", "elect" / "elector"). */
function isVariant(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = a.length <= b.length ? a : b;
  const longer = shorter === a ? b : a;
  return shorter.length >= 4 && longer.startsWith(shorter) && longer.length - shorter.length <= 3;
}

/**
 * Features of the question's candidate sentences (best evidence first, at most a dozen): the
 * existing evidence scores, how much of the focus and of the topic each covers (with
 * morphological variants), an IDF-weighted one-to-many word-vector alignment of the question's
 * terms to the sentence's (Yadav, Sharp and Surdeanu, SIGIR 2018), and whether the sentence
 * holds a span of the asked-for type that the question does not already name.
 */
export async function candidateFeatures(
  analysis: QuestionAnalysis,
  question: string,
  sentences: ScoredSentence[],
  context: FeatureContext,
): Promise<CandidateFeatures[]> {
  const questionWords = dedupe(contentWords(question));
  const sentenceWords = sentences.map((sentence) => contentWords(sentence.text));
  const vocabulary = [...new Set([...questionWords, ...sentenceWords.flat()].map((entry) => entry.word))];
  const vectors = new Map<string, Float32Array>();
  if (context.wordVectors) {
    const found = await context.wordVectors(vocabulary);
    vocabulary.forEach((word, index) => {
      const vector = found[index];
      if (vector) vectors.set(word, vector);
    });
  }
  const factoid = isFactoid(analysis.type);
  const questionTerms = new Set(analysis.terms);
  // Numbers the question names ("the 2010 World Cup"): a sentence about another year is another event.
  const questionNumbers = questionWords.filter((entry) => /\d/.test(entry.word));
  const weightOf = (term: string) => context.idf(term);
  return sentences.map((sentence, rank) => {
    const words = sentenceWords[rank]!;
    const terms = new Set(words.map((entry) => entry.term));
    // Each question word's alignment is used by three features: computed once per sentence.
    const aligned = new Map<string, number>();
    const matchOf = (entry: { word: string; term: string }): number => {
      let value = aligned.get(entry.word);
      if (value === undefined) {
        value = alignmentOf(entry);
        aligned.set(entry.word, value);
      }
      return value;
    };
    const alignmentOf = (entry: { word: string; term: string }): number => {
      if (terms.has(entry.term)) return 1;
      let best = 0;
      let second = 0;
      for (const other of words) {
        let similarity = isVariant(entry.term, other.term) ? 0.9 : 0;
        const a = vectors.get(entry.word);
        const b = vectors.get(other.word);
        if (similarity === 0 && a && b) similarity = Math.max(0, dot(a, b));
        if (similarity > best) {
          second = best;
          best = similarity;
        } else if (similarity > second) second = similarity;
      }
      // One-to-many: the best-aligned sentence word counts fully, the next one half.
      return Math.min(1, (best + 0.5 * second) / 1.5 + 0.25 * second * (best >= 0.9 ? 0 : 1));
    };
    const share = (
      entries: Array<{ word: string; term: string }>,
      score: (entry: { word: string; term: string }) => number,
    ) => {
      let total = 0;
      let found = 0;
      for (const entry of entries) {
        const weight = weightOf(entry.term);
        total += weight;
        found += weight * score(entry);
      }
      return total === 0 ? 0 : found / total;
    };
    const exact = (entry: { term: string }) =>
      words.some((other) => isVariant(entry.term, other.term)) ? 1 : 0;
    // Focus: what the question asks beyond its named topic and beyond the document's own title.
    const title = context.titleTerms(sentence.passageIndex);
    const focusWords = questionWords.filter(
      (entry) => analysis.focus.has(entry.term) && !title.has(entry.term),
    );
    const topicWords = questionWords.filter((entry) => !focusWords.includes(entry));
    const spans = factoid
      ? answerSpans(
          analysis.type,
          typedSpans(sentence.text),
          questionTerms,
          anchorsOf(sentence.text, questionTerms),
        )
      : [];
    const answerSpan = spans[0];
    let missingIdf = 0;
    for (const entry of questionWords)
      if (!exact(entry)) missingIdf = Math.max(missingIdf, weightOf(entry.term));
    const novel = [...terms].filter((term) => !questionTerms.has(term)).length;
    const weakestOf = (entries: Array<{ word: string; term: string }>) =>
      Math.min(1, ...entries.map(matchOf));
    return {
      sentence,
      ...(answerSpan ? { answerSpan } : {}),
      missingIdf: context.maxIdf > 0 ? missingIdf / context.maxIdf : 0,
      weakest: { all: weakestOf(questionWords), focus: weakestOf(focusWords) },
      values: [
        sentence.score,
        sentence.coverage,
        Math.max(0, sentence.similarity),
        context.passageScore(sentence.passageIndex),
        context.sourceCoverage(sentence.passageIndex),
        context.passageCoverage(sentence.passageIndex),
        focusWords.length > 0 ? share(focusWords, exact) : 1,
        topicWords.length > 0 ? share(topicWords, exact) : 1,
        share(questionWords, matchOf),
        focusWords.length > 0 ? share(focusWords, matchOf) : 1,
        factoid && answerSpan ? 1 : 0,
        factoid && !answerSpan ? 1 : 0,
        terms.size === 0 ? 0 : novel / terms.size,
        Math.log1p(words.length) / 4,
        questionNumbers.length === 0
          ? 1
          : questionNumbers.filter((entry) => terms.has(entry.term)).length / questionNumbers.length,
      ],
    };
  });
}

/** What the abstainer knows of a question before any sentence is ranked. */
export interface QuestionStatistics {
  /** Share of the question's IDF mass on words the corpus never uses. */
  unknownShare: number;
  /** Share of the focus's IDF mass on words the corpus uses. */
  corpusFocus: number;
  /** The question asks for a typed span (a name, date, number…). */
  factoid: boolean;
  /** Analysed terms in the question (0: it has no content words, so `unknownShare` is 1 by default, not by evidence). */
  terms: number;
}

/** How much of the question the corpus knows at all, from document frequencies. */
export function questionStatistics(
  analysis: QuestionAnalysis,
  context: Pick<FeatureContext, 'idf' | 'documentFrequency'>,
): QuestionStatistics {
  let total = 0;
  let unknown = 0;
  let focusTotal = 0;
  let focusKnown = 0;
  for (const term of new Set(analysis.terms)) {
    const weight = context.idf(term);
    const known = context.documentFrequency(term) > 0;
    total += weight;
    if (!known) unknown += weight;
    if (analysis.focus.has(term)) {
      focusTotal += weight;
      if (known) focusKnown += weight;
    }
  }
  return {
    unknownShare: total === 0 ? 1 : unknown / total,
    corpusFocus: focusTotal === 0 ? 1 : focusKnown / focusTotal,
    factoid: isFactoid(analysis.type),
    terms: analysis.terms.length,
  };
}

/**
 * The abstainer's view of a question, in the order of {@link ABSTAINER_FEATURES}: the best
 * ranked candidate's features, the best value of each over all candidates, how well the best
 * candidate that holds a span of the asked-for type covers the question, how much of the
 * question the corpus knows at all, and how well the best sources cover it. Not the ranker's
 * probabilities nor margins between candidates (they sharpen ranking but blur whether any
 * candidate answers), nor the question's length (in the hand-written sets it tells how a
 * question was written, not whether the corpus answers it).
 */
export function questionFeatures(
  ranked: Array<{ candidate: Pick<CandidateFeatures, 'values' | 'missingIdf' | 'weakest'> }>,
  statistics: QuestionStatistics,
): number[] {
  const column = (name: (typeof RANKER_FEATURES)[number]) => RANKER_FEATURES.indexOf(name);
  const value = (index: number, name: (typeof RANKER_FEATURES)[number]) =>
    ranked[index]?.candidate.values[column(name)] ?? 0;
  const best = (name: (typeof RANKER_FEATURES)[number]) =>
    Math.max(0, ...ranked.map(({ candidate }) => candidate.values[column(name)] ?? 0));
  const spanCoverage = statistics.factoid
    ? Math.max(
        0,
        ...ranked
          .filter(({ candidate }) => candidate.values[column('answer_span')] === 1)
          .map(({ candidate }) => candidate.values[column('coverage')] ?? 0),
      )
    : best('coverage');
  return [
    value(0, 'coverage'),
    best('coverage'),
    value(1, 'coverage'),
    value(0, 'evidence'),
    value(0, 'focus_coverage'),
    best('focus_coverage'),
    value(0, 'topic_coverage'),
    value(0, 'alignment'),
    best('alignment'),
    value(0, 'focus_alignment'),
    value(0, 'similarity'),
    value(0, 'answer_span'),
    value(0, 'missing_answer_span'),
    spanCoverage,
    best('source_coverage'),
    best('passage_coverage'),
    value(0, 'passage_score'),
    ranked[0]?.candidate.missingIdf ?? 1,
    statistics.unknownShare,
    statistics.corpusFocus,
    statistics.factoid ? 1 : 0,
    value(0, 'number_match'),
    best('number_match'),
    ranked[0]?.candidate.weakest.all ?? 0,
    Math.max(0, ...ranked.map(({ candidate }) => candidate.weakest.all)),
    ranked[0]?.candidate.weakest.focus ?? 0,
  ];
}

/** Character offsets of the sentence's words that are question terms. */
function anchorsOf(text: string, questionTerms: ReadonlySet<string>): number[] {
  const anchors: number[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = analyze(match[0])[0];
    if (term && questionTerms.has(term)) anchors.push(match.index, match.index + match[0].length);
  }
  return anchors;
}

function dedupe(words: Array<{ word: string; term: string }>): Array<{ word: string; term: string }> {
  const seen = new Set<string>();
  return words.filter((entry) => {
    if (seen.has(entry.term)) return false;
    seen.add(entry.term);
    return true;
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * (b[index] ?? 0);
  return sum;
}

/**
 * True for lines that are not prose and never an answer: Markdown headings, table rows,
 * captions and other short lines without a verb-bearing sentence ending.
 */
export function isNonProse(text: string): boolean {
  const trimmed = text.trim();
  if (/^#{1,6}\s/.test(trimmed)) return true;
  if ((trimmed.match(/\|/g)?.length ?? 0) >= 2) return true;
  if (/^[-=:|\s]+$/.test(trimmed)) return true;
  if (/^(figure|fig\.|table|photo|image|caption|source|credit)\b[\s\d.:]/i.test(trimmed)) return true;
  const words = trimmed.split(/\s+/).length;
  return words <= 8 && !/[.!?…"'”’)]$/.test(trimmed);
}
