import { analyze } from '../index/index.js';
import type { Embedder, Passage, ScoredSentence } from '../types.js';

export interface EvidenceOptions {
  /** Weight of question-term coverage in a sentence's score. @default 0.55 */
  coverageWeight: number;
  /** Weight of embedding similarity to the query. @default 0.25 */
  similarityWeight: number;
  /** Weight of the passage's retrieval rank. @default 0.1 */
  passageWeight: number;
  /** Weight of the answer-type match ("who" → a name, "when" → a date…). @default 0.1 */
  typeWeight: number;
}

export const defaultEvidenceOptions: EvidenceOptions = { coverageWeight: 0.55, similarityWeight: 0.25, passageWeight: 0.1, typeWeight: 0.1 };

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

type AnswerType = 'person' | 'time' | 'number' | 'none';

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const TIME_PATTERN = new RegExp(
  `\\b(${MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|week|month|year|decade|century|spring|summer|autumn|winter)\\b|\\b(1[5-9]|20)\\d{2}\\b|\\b\\d{1,2}[./]\\d{1,2}[./]\\d{2,4}\\b`,
  'i',
);
const NUMBER_PATTERN = /\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|several|half)\b/i;
const NAME_PATTERN = /\b\p{Lu}[\p{L}'’-]+(?:\s+(?:al-|bin\s|de\s|van\s)?\p{Lu}[\p{L}'’-]+)+/gu;

/** The kind of answer a question asks for, from its wh-word. */
export function answerType(question: string): AnswerType {
  const lower = question.toLowerCase();
  if (/\bhow (many|much|old|long|far)\b|\bwhat (number|percentage|amount)\b/.test(lower)) return 'number';
  if (/\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b/.test(lower)) return 'time';
  if (/\bwho(m|se)?\b|\bwhich (person|leader|official|minister|president|spokes\w+|ambassador|envoy|lawyer)\b|\bwhat (is the name|was the name)\b/.test(lower)) return 'person';
  return 'none';
}

function matchesType(type: AnswerType, sentence: string, questionTerms: Set<string>): boolean {
  switch (type) {
    case 'time':
      return TIME_PATTERN.test(sentence);
    case 'number':
      return NUMBER_PATTERN.test(sentence);
    case 'person':
      // A multi-word proper name that the question does not already mention.
      for (const match of sentence.matchAll(NAME_PATTERN)) {
        if (analyze(match[0]).some((term) => !questionTerms.has(term))) return true;
      }
      return false;
    default:
      return false;
  }
}

/**
 * Scores every sentence of the retrieved passages as evidence for the question: how much of
 * the question it covers (IDF-weighted terms, with the previous sentence as context for
 * pronouns), how close its embedding is to the query's, how well its passage ranked, and
 * whether it holds the kind of thing asked for. Best first.
 */
export async function scoreEvidence(input: EvidenceInput, options: Partial<EvidenceOptions> = {}): Promise<ScoredSentence[]> {
  const settings = { ...defaultEvidenceOptions, ...options };
  const type = answerType(input.question);
  const questionTerms = new Set(analyze(input.question));
  let totalWeight = 0;
  for (const [term, weight] of input.termWeights) totalWeight += weight * input.idf(term);
  const candidates: Array<Omit<ScoredSentence, 'score' | 'similarity'> & { passageScore: number }> = [];
  const bestPassage = Math.max(1e-9, ...input.passages.map((passage) => passage.score));
  input.passages.forEach((passage, passageIndex) => {
    const text = input.sourceText(passage.sourceId);
    let previousTerms = new Set<string>();
    for (const [start, end] of passage.sentences) {
      const sentence = text.slice(start, end);
      const terms = new Set(analyze(sentence));
      const own = coverage(terms, input.termWeights, input.idf, totalWeight);
      const withContext = coverage(new Set([...terms, ...previousTerms]), input.termWeights, input.idf, totalWeight);
      candidates.push({
        passageIndex,
        sourceId: passage.sourceId,
        start,
        end,
        text: sentence,
        coverage: Math.max(own, 0.8 * withContext),
        typeMatch: matchesType(type, sentence, questionTerms),
        passageScore: passage.score / bestPassage,
      });
      previousTerms = terms;
    }
  });
  input.signal?.throwIfAborted();
  const vectors = await input.embedder.embed(
    candidates.map((candidate) => candidate.text),
    input.signal ? { signal: input.signal } : {},
  );
  const scored = candidates.map(({ passageScore, ...candidate }, index) => {
    const similarity = dot(vectors[index]!, input.queryVector);
    const score =
      settings.coverageWeight * candidate.coverage +
      settings.similarityWeight * Math.max(0, similarity) +
      settings.passageWeight * passageScore +
      settings.typeWeight * (type === 'none' || candidate.typeMatch ? 1 : 0);
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

function coverage(terms: Set<string>, weights: ReadonlyMap<string, number>, idf: (term: string) => number, total: number): number {
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
