import { analyze } from '../text/index.js';
import type { Embedder, Passage } from '../types.js';
import type { ScoredSentence } from './types.js';

/** Weights of the evidence score of a sentence (they sum to 1). */
export interface EvidenceOptions {
  /** Weight of question-term coverage in a sentence's score. @default 0.55 */
  coverageWeight: number;
  /** Weight of embedding similarity to the query. @default 0.25 */
  similarityWeight: number;
  /** Weight of the passage's retrieval rank. @default 0.1 */
  passageWeight: number;
  /** Weight of the answer-type match ("who" → a name, "when" → a date…). @default 0.1 */
  typeWeight: number;
  /**
   * Coverage bonus for the question's word pairs found side by side in the sentence (phrases
   * copied from the text), as a share of their IDF weight. Measured on all 5,696 SQuAD
   * questions: hit@1 0.801 → 0.805 at 0.25 (0.807 at 0.35, which cost a corpus question).
   * @default 0.25
   */
  phraseWeight: number;
  /** Sentences (the lexically strongest) whose embedding similarity is computed. @default 24 */
  embedCandidates: number;
}

/** The measured defaults of `EvidenceOptions` (see DESIGN.md). */
export const defaultEvidenceOptions: EvidenceOptions = {
  coverageWeight: 0.55,
  similarityWeight: 0.25,
  passageWeight: 0.1,
  typeWeight: 0.1,
  phraseWeight: 0.25,
  embedCandidates: 24,
};

/** What `scoreEvidence` scores: the retrieved passages for a question, with what weighs its terms. */
export interface EvidenceInput {
  question: string;
  passages: Passage[];
  /** Analysed query terms with their weights (question 1, conversation context less). */
  termWeights: ReadonlyMap<string, number>;
  queryVector: Float32Array;
  embedder: Embedder;
  /** Inverse document frequency of an analysed term in the index. */
  idf: (term: string) => number;
  /** Full text of a source, by id. */
  sourceText: (sourceId: string) => string;
  signal?: AbortSignal;
}

/** What a question asks for, judged from its wh-phrase. */
export type AnswerType =
  | 'person'
  | 'organization'
  | 'place'
  | 'name'
  | 'date'
  | 'time'
  | 'age'
  | 'number'
  | 'none';

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const WEEKDAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const DATE_PATTERN = new RegExp(
  `\\b(${MONTHS}|${WEEKDAYS})\\b|\\b(1[5-9]|20)\\d{2}\\b|\\b\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}\\b`,
  'i',
);
const TIME_PATTERN = new RegExp(
  `${DATE_PATTERN.source}|\\b(yesterday|today|tomorrow|week|month|year|decade|century|spring|summer|autumn|winter|morning|evening|night)s?\\b`,
  'i',
);
const AGE_PATTERN = /\b\d{1,3}[- ]years?[- ]old\b|\baged? \d{1,3}\b|,\s*\d{1,3},/i;
const NUMBER_WORDS =
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens|half|third|thirds';
const NUMBER_TOKEN = new RegExp(`^(\\d[\\d,.]*%?|(${NUMBER_WORDS})(-\\w+)?)$`, 'i');
const PROPER_NAME = /\p{Lu}[\p{L}'’-]+(?:\s+(?:al-|bin\s|de\s|van\s|von\s)?\p{Lu}[\p{L}'’-]+)*/gu;
const NOT_NAMES = new Set([
  ...MONTHS.split('|'),
  ...WEEKDAYS.split('|'),
  'the',
  'a',
  'an',
  'but',
  'and',
  'as',
  'it',
  'he',
  'she',
  'they',
  'we',
  'i',
  'this',
  'that',
  'in',
  'on',
  'at',
  'after',
  'last',
  'meanwhile',
  'finally',
  'however',
  'instead',
  'initially',
  'like',
  'once',
  'five',
  'for',
]);

/** The kind of answer a question asks for, from its wh-phrase. */
export function answerType(question: string): AnswerType {
  const lower = question.toLowerCase();
  if (/\bhow old\b|\bwhat age\b|\bwhat is the age\b/.test(lower)) return 'age';
  if (
    /\bhow (many|much)\b|\bwhat (number|percentage|share|amount|margin|proportion)\b|\bby (what|how much|how many) margin\b/.test(
      lower,
    )
  )
    return 'number';
  if (/\b(what|which) (date|day|month|year)\b|\bon what day\b/.test(lower)) return 'date';
  if (/\bwhen\b|\bwhat time\b|\bhow long ago\b/.test(lower)) return 'time';
  if (
    /\bwhere\b|\b(which|what) (country|countries|city|cities|nation|nations|place|region|capital)\b/.test(
      lower,
    )
  )
    return 'place';
  if (
    /\b(which|what) (firm|company|companies|organi[sz]ations?|agency|newspaper|bank|group|party)\b/.test(
      lower,
    )
  )
    return 'organization';
  if (/\b(called|named|dubbed|known as|nicknamed)\s*\??$|\bwhat (is|was|are|were) the name\b/.test(lower))
    return 'name';
  if (
    /\bwho(m|se)?\b|\b(which|what) (person|leader|official|minister|president|spokes\w+|ambassador|envoy|lawyer|candidate|diplomat|secretary)\b/.test(
      lower,
    )
  )
    return 'person';
  return 'none';
}

/**
 * True when the sentence holds the kind of thing the question asks for, beyond what the
 * question itself says: a new proper name for "who", a date for "on what date", a number tied
 * to the counted noun for "how many <noun>"…
 */
export function matchesType(
  type: AnswerType,
  sentence: string,
  questionTerms: ReadonlySet<string>,
  isCounted: (word: string) => boolean = () => true,
): boolean {
  const newNames = () =>
    [...sentence.matchAll(PROPER_NAME)].filter((match) => {
      const words = match[0].split(/\s+/);
      if (words.length === 1 && (match.index === 0 || NOT_NAMES.has(words[0]!.toLowerCase()))) return false;
      return analyze(match[0]).every((term) => !questionTerms.has(term));
    });
  switch (type) {
    case 'age':
      return AGE_PATTERN.test(sentence);
    case 'date':
      return DATE_PATTERN.test(sentence);
    case 'time':
      return TIME_PATTERN.test(sentence);
    case 'number':
      return hasCountOf(sentence, isCounted);
    case 'person':
    case 'name':
      return newNames().some((match) => /\s/.test(match[0]));
    case 'organization':
    case 'place':
      return newNames().length > 0;
    default:
      return true;
  }
}

/** The thing counted in "how many X …" (X, up to three words), if the question has one. */
export function countedNoun(question: string): string | undefined {
  return /\bhow many ((?:[\p{L}-]+\s+){0,2}?[\p{L}-]+?)\s+(?:are|were|is|was|did|do|does|have|has|had|will|would|could|can|should|died|live|in|of|on|at|to)\b/iu.exec(
    question,
  )?.[1];
}

/** How many words either side of a number may name what it counts ("targeted some 1,350 sites"). */
const COUNT_WINDOW = 3;

function numberNeighbourhoods(sentence: string): string[][] {
  const tokens = sentence
    .split(/\s+/)
    .map((token) => token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}%]+$/gu, ''));
  const neighbourhoods: string[][] = [];
  tokens.forEach((token, index) => {
    if (!NUMBER_TOKEN.test(token)) return;
    neighbourhoods.push(
      [
        ...tokens.slice(Math.max(0, index - COUNT_WINDOW), index),
        ...tokens.slice(index + 1, index + 1 + COUNT_WINDOW),
      ].filter((word) => word.length > 0),
    );
  });
  return neighbourhoods;
}

/** Words near a number in a sentence (the candidates for what it counts). */
export function wordsNearNumbers(sentence: string): string[] {
  return numberNeighbourhoods(sentence).flat();
}

/** A number in the sentence with a word close by that names the counted thing. */
function hasCountOf(sentence: string, isCounted: (word: string) => boolean): boolean {
  return numberNeighbourhoods(sentence).some((words) => words.length === 0 || words.some(isCounted));
}

/**
 * Scores every sentence of the retrieved passages as evidence for the question: how much of
 * the question it covers (IDF-weighted terms, with the previous sentence as context for
 * pronouns), how close its embedding is to the query's, how well its passage ranked, and
 * whether it holds the kind of thing asked for. Best first.
 */
export async function scoreEvidence(
  input: EvidenceInput,
  options: Partial<EvidenceOptions> = {},
): Promise<ScoredSentence[]> {
  const settings = { ...defaultEvidenceOptions, ...options };
  const type = answerType(input.question);
  const questionSequence = analyze(input.question);
  const questionBigrams = questionSequence
    .slice(1)
    .map((term, index) => [questionSequence[index]!, term] as const);
  const questionTerms = new Set(questionSequence);
  const isCounted = type === 'number' ? await countedMatcher(input) : undefined;
  const totalWeight = queryWeight(input.termWeights, input.idf);
  const candidates: Array<Omit<ScoredSentence, 'score' | 'similarity'> & { passageScore: number }> = [];
  const bestPassage = Math.max(1e-9, ...input.passages.map((passage) => passage.score));
  input.passages.forEach((passage, passageIndex) => {
    const text = input.sourceText(passage.sourceId);
    let previousTerms = new Set<string>();
    for (const [start, end] of passage.sentences) {
      const sentence = text.slice(start, end);
      const sequence = analyze(sentence);
      const terms = new Set(sequence);
      const own = coverage(terms, input.termWeights, input.idf, totalWeight);
      const withContext = coverage(
        new Set([...terms, ...previousTerms]),
        input.termWeights,
        input.idf,
        totalWeight,
      );
      const phrase = bigramCoverage(questionBigrams, sequence, input.idf);
      candidates.push({
        passageIndex,
        sourceId: passage.sourceId,
        start,
        end,
        text: sentence,
        coverage: Math.min(1, Math.max(own, 0.8 * withContext) + settings.phraseWeight * phrase),
        typeMatch: matchesType(type, sentence, questionTerms, isCounted),
        passageScore: passage.score / bestPassage,
      });
      previousTerms = terms;
    }
  });
  input.signal?.throwIfAborted();
  // Only the lexically strongest sentences are embedded: the similarity term (weight 0.25) cannot
  // lift a sentence that covers little of the question past them, and embedding every sentence of
  // 20 passages was the largest cost of answering.
  const partial = (candidate: (typeof candidates)[number]) =>
    settings.coverageWeight * candidate.coverage +
    settings.passageWeight * candidate.passageScore +
    settings.typeWeight * (type === 'none' || candidate.typeMatch ? 1 : 0);
  const order = candidates
    .map((candidate, index) => ({ index, partial: partial(candidate) }))
    .sort((a, b) => b.partial - a.partial);
  const embedded = order.slice(0, settings.embedCandidates);
  const vectors = await input.embedder.embed(
    embedded.map(({ index }) => candidates[index]!.text),
    input.signal ? { signal: input.signal } : {},
  );
  const similarities = new Map(
    embedded.map(({ index }, rank) => [index, dot(vectors[rank]!, input.queryVector)]),
  );
  const scored = candidates.map(({ passageScore: _passageScore, ...candidate }, index) => {
    const similarity = similarities.get(index) ?? 0;
    const score = partial(candidates[index]!) + settings.similarityWeight * Math.max(0, similarity);
    return { ...candidate, similarity, score };
  });
  // Identical sentences (the same text in two files) keep only their best-ranked copy.
  const seen = new Set<string>();
  return scored
    .sort((a, b) => b.score - a.score || a.passageIndex - b.passageIndex || a.start - b.start)
    .filter((sentence) => {
      const key = sentence.text.replace(/\s+/g, ' ').toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * For "how many X" questions: a test of whether a word names X — the same stem, or a word whose
 * embedding is close to X's ("targets" ~ "sites").
 */
async function countedMatcher(input: EvidenceInput): Promise<((word: string) => boolean) | undefined> {
  const counted = countedNoun(input.question);
  if (!counted) return undefined;
  const stems = new Set(analyze(counted));
  const words = new Set<string>();
  for (const passage of input.passages) {
    const text = input.sourceText(passage.sourceId);
    for (const [start, end] of passage.sentences)
      for (const word of wordsNearNumbers(text.slice(start, end))) words.add(word.toLowerCase());
  }
  const candidates = [...words].filter((word) => !analyze(word).some((term) => stems.has(term)));
  const vectors = await input.embedder.embed(
    [counted, ...candidates],
    input.signal ? { signal: input.signal } : {},
  );
  const similar = new Set(
    candidates.filter((_, index) => dot(vectors[0]!, vectors[index + 1]!) >= COUNTED_SIMILARITY),
  );
  return (word) => analyze(word).some((term) => stems.has(term)) || similar.has(word.toLowerCase());
}

/** Embedding similarity at which a word counts as naming the counted thing. */
const COUNTED_SIMILARITY = 0.5;

/** IDF-weighted share of the question's adjacent term pairs that stand adjacent in the sentence. */
function bigramCoverage(
  bigrams: ReadonlyArray<readonly [string, string]>,
  sequence: string[],
  idf: (term: string) => number,
): number {
  if (bigrams.length === 0) return 0;
  const pairs = new Set(sequence.slice(1).map((term, index) => `${sequence[index]} ${term}`));
  let total = 0;
  let found = 0;
  for (const [first, second] of bigrams) {
    const weight = idf(first) + idf(second);
    total += weight;
    if (pairs.has(`${first} ${second}`)) found += weight;
  }
  return total === 0 ? 0 : found / total;
}

/** IDF-weighted mass of the query's terms: the denominator of {@link coverage}. */
export function queryWeight(weights: ReadonlyMap<string, number>, idf: (term: string) => number): number {
  let total = 0;
  for (const [term, weight] of weights) total += weight * idf(term);
  return total;
}

/** IDF-weighted share of the query's terms found in `terms`; `total` is {@link queryWeight}. */
export function coverage(
  terms: ReadonlySet<string>,
  weights: ReadonlyMap<string, number>,
  idf: (term: string) => number,
  total: number,
): number {
  if (total <= 0) return 0;
  let covered = 0;
  for (const [term, weight] of weights) if (terms.has(term)) covered += weight * idf(term);
  return covered / total;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * (b[index] ?? 0);
  return sum;
}
