import { FootnoteError } from '../errors.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { analyze } from '../text/index.js';
import type { ChatTurn, Passage, SourceDocument } from '../types.js';
import {
  type CandidateFeatures,
  candidateFeatures,
  type FeatureContext,
  isNonProse,
  type QuestionStatistics,
  questionFeatures,
  questionStatistics,
} from './answer-features.js';
import { defaultAnswerScorer, type LogisticScorer } from './answer-scorer.js';
import type { AskContext } from './ask-context.js';
import { isCitationExact } from './citations.js';
import { analyzeQuestion, type QuestionAnalysis } from './question-analysis.js';
import { coverage, queryWeight, scoreEvidence } from './score-evidence.js';
import type {
  Answer,
  AnswerStreamPart,
  Citation,
  Generator,
  GeneratorVerdict,
  ScoredSentence,
} from './types.js';

/**
 * Candidate sentences (the strongest by evidence score) that the ranker scores; the typed-span
 * analysis and the word alignment cost most, so they run on these only.
 */
const RANK_CANDIDATES = 10;

/** The answer given when the corpus does not answer the question. */
export const REFUSAL = "I couldn't find this in the corpus.";

/** Put before an answer given with doubt (`grounded: 'partial'`). */
export const PARTIAL_PREFIX = 'The closest passage may answer this:';

/** One question to `ask` / `askStream`, with the conversation so far. */
export interface AskRequest {
  question: string;
  history?: ChatTurn[];
  /** Passages to retrieve. */
  k?: number;
  mode?: RetrieverMode;
  signal?: AbortSignal;
}

/** A question's retrieval and its candidate answer sentences, before the two decisions. */
export interface AnswerCandidates {
  /** The question searched for (a generator's standalone rewrite of a follow-up, or the question). */
  searched: string;
  query: string;
  /** The `k` passages kept after re-ranking. */
  passages: Passage[];
  rankedSources: string[];
  /** Every sentence of the kept passages, best evidence score first. */
  evidence: ScoredSentence[];
  analysis: QuestionAnalysis;
  /** The strongest prose sentences with the features the models read. */
  candidates: CandidateFeatures[];
  /** A passage's source, fetched for this question. */
  sourceOf: (sourceId: string) => SourceDocument;
  /** How much of the question the corpus knows, for the abstainer. */
  statistics: QuestionStatistics;
  retrieveMs: number;
}

/**
 * Retrieves, re-ranks and scores a question's candidate sentences: everything up to the two
 * learned decisions (which sentence answers, and whether any does). Shared by `askStream` and
 * the scorer's training script, so both see the same features.
 */
export async function answerCandidates(request: AskRequest, context: AskContext): Promise<AnswerCandidates> {
  const history = request.history ?? [];
  const started = performance.now();
  const k = request.k ?? context.retriever.options.k;
  const standalone = await condenseQuestion(request, history, context.generator);
  const searched = standalone ?? request.question;
  const retrieval = await context.retriever.retrieve(searched, standalone ? [] : history, {
    k: Math.max(k, context.rerankCandidates),
    ...(request.mode === undefined ? {} : { mode: request.mode }),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const facts = await context.facts(
    [...retrieval.query.termWeights.keys(), ...analyze(searched), ...analyze(request.question)],
    retrieval.passages.map((passage) => passage.sourceId),
  );
  const sourceOf = (sourceId: string): SourceDocument => {
    const document = facts.source(sourceId);
    if (!document) throw new FootnoteError('internal', `passage refers to unknown source ${sourceId}`);
    return document;
  };
  const scored = await scoreEvidence(
    {
      question: searched,
      passages: retrieval.passages,
      termWeights: retrieval.query.termWeights,
      queryVector: retrieval.queryVector,
      embedder: context.embedder,
      idf: facts.idf,
      sourceText: (sourceId) => sourceOf(sourceId).text,
      ...(request.signal ? { signal: request.signal } : {}),
    },
    context.evidence,
  );
  const { termWeights } = retrieval.query;
  const total = queryWeight(termWeights, facts.idf);
  const allCoverage = retrieval.passages.map((passage) =>
    coverage(facts.sourceTerms(passage.sourceId), termWeights, facts.idf, total),
  );
  const order = rerank(retrieval.passages, scored, allCoverage, {
    retrievalWeight: context.retrievalWeight,
    sourceWeight: context.sourceWeight,
  });
  const rankedSources = [...new Set(order.map((index) => retrieval.passages[index]!.source))];
  const kept = order.slice(0, k);
  const { passages, evidence } = keepOnly(retrieval.passages, scored, kept);
  const topScore = Math.max(1e-9, ...passages.map((passage) => passage.score));
  const passageCoverage = passages.map((passage) =>
    coverage(new Set(analyze(passage.text)), termWeights, facts.idf, total),
  );
  const titleTerms = passages.map((passage) => new Set(analyze(passage.title)));
  const featureContext: FeatureContext = {
    idf: facts.idf,
    documentFrequency: facts.documentFrequency,
    maxIdf: facts.idf(' never a term '),
    passageScore: (index) => (passages[index]?.score ?? 0) / topScore,
    sourceCoverage: (index) => allCoverage[kept[index] ?? -1] ?? 0,
    passageCoverage: (index) => passageCoverage[index] ?? 0,
    titleTerms: (index) => titleTerms[index] ?? new Set(),
    ...(context.wordVectors ? { wordVectors: context.wordVectors } : {}),
  };
  const analysis = analyzeQuestion(searched);
  const pool = evidence.filter((sentence) => !isNonProse(sentence.text)).slice(0, RANK_CANDIDATES);
  const candidates = await candidateFeatures(analysis, searched, pool, featureContext);
  return {
    searched,
    query: retrieval.query.text,
    passages,
    rankedSources,
    evidence,
    analysis,
    candidates,
    statistics: questionStatistics(analysis, featureContext),
    sourceOf,
    retrieveMs: performance.now() - started,
  };
}

/** Candidates ordered by the ranker's probability that they answer, best first. */
export function rankCandidates<Candidate extends Pick<CandidateFeatures, 'values'>>(
  candidates: Candidate[],
  ranker: LogisticScorer,
): Array<{ candidate: Candidate; probability: number }> {
  const probabilities = ranker.probabilities(candidates.map((candidate) => candidate.values));
  return candidates
    .map((candidate, index) => ({ candidate, probability: probabilities[index]! }))
    .sort(
      (a, b) =>
        b.probability - a.probability || candidates.indexOf(a.candidate) - candidates.indexOf(b.candidate),
    );
}

/**
 * Answers a question as a typed stream: `retrieval-end` with the passages, then the
 * generator's `text-delta` and `citation` parts, then `finish` with the whole answer. Two
 * learned decisions come between: the ranker orders the candidate sentences, and the
 * abstainer's probability that the corpus answers at all is the answer's `confidence`. Below
 * the refusal threshold the generator is not called and the answer is a refusal, with the
 * closest passages attached (they are not an answer); below the "partial" threshold the answer
 * is given as one that may answer (`grounded: 'partial'`).
 */
export async function* askStream(request: AskRequest, context: AskContext): AsyncGenerator<AnswerStreamPart> {
  const history = request.history ?? [];
  const prepared = await answerCandidates(request, context);
  const { passages, rankedSources } = prepared;
  yield { type: 'retrieval-end', passages, query: prepared.query };
  const { sourceOf } = prepared;

  const answerStarted = performance.now();
  const scorer = context.scorer ?? defaultAnswerScorer();
  const ranked = rankCandidates(prepared.candidates, scorer.ranker);
  // A question none of whose words the corpus uses cannot be answered from it, whatever the
  // trees make of features they rarely saw in training (such questions are few there).
  const confidence =
    ranked.length === 0 || !corpusKnowsAny(prepared.statistics)
      ? 0
      : scorer.abstainer.probabilities([questionFeatures(ranked, prepared.statistics)])[0]!;
  const threshold = context.groundingThreshold ?? scorer.weights.threshold;
  const finish = (
    answer: Omit<Answer, 'timings' | 'passages' | 'rankedSources' | 'confidence'>,
  ): AnswerStreamPart => ({
    type: 'finish',
    answer: {
      ...answer,
      confidence: round(confidence, 4),
      passages,
      rankedSources,
      timings: { retrieveMs: round(prepared.retrieveMs), answerMs: round(performance.now() - answerStarted) },
    },
  });
  if (ranked.length === 0 || confidence < threshold) {
    yield { type: 'text-delta', text: REFUSAL };
    yield finish({
      answer: REFUSAL,
      grounded: false,
      citations: [],
      generator: context.generator.id,
      notice:
        passages.length > 0
          ? 'The passages listed are the closest matches in the corpus; they do not answer the question.'
          : 'The corpus has no passage related to this question.',
    });
    return;
  }
  const partial = confidence < Math.max(threshold, scorer.weights.partialThreshold);
  // The ranked sentences lead, scored by the ranker's probability; the answer span rides along.
  const spans = new Map(ranked.map(({ candidate }) => [candidate.sentence, candidate.answerSpan]));
  const evidence: ScoredSentence[] = ranked.map(({ candidate, probability }) => {
    const span = spans.get(candidate.sentence);
    return {
      ...candidate.sentence,
      score: probability,
      ...(span
        ? {
            answerSpan: {
              start: candidate.sentence.start + span.start,
              end: candidate.sentence.start + span.end,
            },
          }
        : {}),
    };
  });

  let text = '';
  const citations: Citation[] = [];
  let verdict: GeneratorVerdict = { generator: context.generator.id };
  if (partial) {
    yield { type: 'text-delta', text: `${PARTIAL_PREFIX} ` };
  }
  for await (const part of context.generator.generate({
    question: request.question,
    query: prepared.query,
    passages,
    evidence,
    history,
    sourceOf,
    ...(request.signal ? { signal: request.signal } : {}),
  })) {
    if (part.type === 'verdict') {
      verdict = part.verdict;
      continue;
    }
    if (part.type === 'text-delta') text += part.text;
    else {
      if (!isCitationExact(part.citation, sourceOf(part.citation.sourceId).text)) {
        throw new FootnoteError('internal', `citation [${part.citation.n}] does not match its source text`);
      }
      citations.push(part.citation);
    }
    yield part;
  }
  yield finish({
    answer: partial ? `${PARTIAL_PREFIX} ${text.trimEnd()}` : text.trimEnd(),
    grounded: partial ? 'partial' : true,
    citations,
    generator: verdict.generator,
    ...(verdict.unsupported ? { unsupported: verdict.unsupported } : {}),
    ...(verdict.notice ? { notice: verdict.notice } : {}),
  });
}

/**
 * False when the question has words and the corpus uses none of them (all of their IDF mass is
 * unknown). A question without content words ("And why?") is left to the abstainer.
 */
export function corpusKnowsAny(statistics: Pick<QuestionStatistics, 'unknownShare' | 'terms'>): boolean {
  return statistics.terms === 0 || statistics.unknownShare < 1;
}

/** The non-streaming answer: consumes `askStream` and returns its `finish` answer. */
export async function ask(request: AskRequest, context: AskContext): Promise<Answer> {
  for await (const part of askStream(request, context)) {
    if (part.type === 'finish') return part.answer;
  }
  throw new FootnoteError('internal', 'the answer stream ended without an answer');
}

/**
 * Orders the retrieved passages by retrieval score, their best sentence's evidence score and
 * their source's coverage of the question together; returns their indexes, best first.
 */
function rerank(
  passages: Passage[],
  evidence: ScoredSentence[],
  sourceCoverage: number[],
  weights: { retrievalWeight: number; sourceWeight: number },
): number[] {
  const best = new Map<number, number>();
  for (const sentence of evidence)
    if (!best.has(sentence.passageIndex)) best.set(sentence.passageIndex, sentence.score);
  const topRetrieval = Math.max(1e-9, ...passages.map((passage) => passage.score));
  return passages
    .map((passage, index) => ({
      index,
      score:
        weights.retrievalWeight * (passage.score / topRetrieval) +
        (1 - weights.retrievalWeight) * (best.get(index) ?? 0) +
        weights.sourceWeight * (sourceCoverage[index] ?? 0),
    }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((entry) => entry.index);
}

/** The passages at `kept` (in that order) and only their evidence, re-indexed to the new order. */
function keepOnly(
  passages: Passage[],
  evidence: ScoredSentence[],
  kept: number[],
): { passages: Passage[]; evidence: ScoredSentence[] } {
  const newIndex = new Map(kept.map((index, rank) => [index, rank]));
  return {
    passages: kept.map((index) => passages[index]!),
    evidence: evidence
      .filter((sentence) => newIndex.has(sentence.passageIndex))
      .map((sentence) => ({ ...sentence, passageIndex: newIndex.get(sentence.passageIndex)! })),
  };
}

/** The generator's standalone rewrite of a follow-up, or undefined (no history, no hook, or it failed). */
async function condenseQuestion(
  request: AskRequest,
  history: ChatTurn[],
  generator: Generator,
): Promise<string | undefined> {
  if (!generator.condense || !history.some((turn) => turn.role === 'user')) return undefined;
  try {
    const rewritten = (await generator.condense(request.question, history, request.signal)).trim();
    return rewritten.length > 0 && rewritten !== request.question.trim() ? rewritten : undefined;
  } catch (error) {
    if (request.signal?.aborted) throw error;
    return undefined;
  }
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
