import { FootnoteError } from '../errors.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { analyze } from '../text/index.js';
import type { ChatTurn, Passage, SourceDocument } from '../types.js';
import type { AnswerFacts, AskContext } from './ask-context.js';
import { isCitationExact } from './citations.js';
import { coverage, queryWeight, scoreEvidence } from './score-evidence.js';
import type {
  Answer,
  AnswerStreamPart,
  Citation,
  Generator,
  GeneratorVerdict,
  ScoredSentence,
} from './types.js';

/** How many of the strongest sentences may supply the kind of answer a question asks for. */
const TYPE_WINDOW = 5;

/** The answer given when the corpus does not answer the question. */
export const REFUSAL = "I couldn't find this in the corpus.";

/** One question to `ask` / `askStream`, with the conversation so far. */
export interface AskRequest {
  question: string;
  history?: ChatTurn[];
  /** Passages to retrieve. */
  k?: number;
  mode?: RetrieverMode;
  signal?: AbortSignal;
}

/**
 * Answers a question as a typed stream: `retrieval-end` with the passages, then the
 * generator's `text-delta` and `citation` parts, then `finish` with the whole answer. When the
 * best evidence is too weak the generator is not called and the answer is a refusal, with the
 * closest passages attached (they are not an answer).
 */
export async function* askStream(request: AskRequest, context: AskContext): AsyncGenerator<AnswerStreamPart> {
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
  const candidates = await scoreEvidence(
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
  const sourceCoverage = retrieval.passages.map((passage) =>
    coverage(facts.sourceTerms(passage.sourceId), termWeights, facts.idf, total),
  );
  const order = rerank(retrieval.passages, candidates, sourceCoverage, {
    retrievalWeight: context.retrievalWeight,
    sourceWeight: context.sourceWeight,
  });
  const rankedSources = [...new Set(order.map((index) => retrieval.passages[index]!.source))];
  const { passages, evidence } = keepOnly(retrieval.passages, candidates, order.slice(0, k));
  retrieval.passages = passages;
  const retrieveMs = performance.now() - started;
  yield { type: 'retrieval-end', passages: retrieval.passages, query: retrieval.query.text };

  const answerStarted = performance.now();
  const finish = (
    answer: Omit<Answer, 'timings' | 'passages' | 'rankedSources' | 'confidence'>,
  ): AnswerStreamPart => ({
    type: 'finish',
    answer: {
      ...answer,
      confidence,
      passages: retrieval.passages,
      rankedSources,
      timings: { retrieveMs: round(retrieveMs), answerMs: round(performance.now() - answerStarted) },
    },
  });
  // The answer must hold the kind of thing asked for ("on what date" → a date): the best sentence
  // that does, among the strongest few, leads; if none does, the corpus does not answer it.
  const typed = evidence.slice(0, TYPE_WINDOW).find((sentence) => sentence.typeMatch);
  if (typed && typed !== evidence[0]) {
    evidence.splice(evidence.indexOf(typed), 1);
    evidence.unshift(typed);
  }
  const best = evidence[0];
  // Provisional confidence: the score the refusal threshold is compared with, kept for refusals
  // too (a learned probability replaces it, issue 14).
  const confidence = Math.min(1, Math.max(0, best?.score ?? 0));
  const offTopic = unknownShare(request.question, facts) > context.maxUnknownShare;
  if (!best || !typed || offTopic || best.score < context.groundingThreshold) {
    yield { type: 'text-delta', text: REFUSAL };
    yield finish({
      answer: REFUSAL,
      grounded: false,
      citations: [],
      generator: context.generator.id,
      notice:
        retrieval.passages.length > 0
          ? 'The passages listed are the closest matches in the corpus; they do not answer the question.'
          : 'The corpus has no passage related to this question.',
    });
    return;
  }

  let text = '';
  const citations: Citation[] = [];
  let verdict: GeneratorVerdict = { generator: context.generator.id };
  for await (const part of context.generator.generate({
    question: request.question,
    query: retrieval.query.text,
    passages: retrieval.passages,
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
    answer: text.trimEnd(),
    grounded: true,
    citations,
    generator: verdict.generator,
    ...(verdict.unsupported ? { unsupported: verdict.unsupported } : {}),
    ...(verdict.notice ? { notice: verdict.notice } : {}),
  });
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

/** Share of the question's IDF-weighted terms that appear nowhere in the corpus. */
function unknownShare(question: string, facts: AnswerFacts): number {
  let total = 0;
  let unknown = 0;
  for (const term of new Set(analyze(question))) {
    const weight = facts.idf(term);
    total += weight;
    if (facts.documentFrequency(term) === 0) unknown += weight;
  }
  return total === 0 ? 1 : unknown / total;
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

function round(milliseconds: number): number {
  return Math.round(milliseconds * 100) / 100;
}
