import { FootnoteError } from '../errors.js';
import type { HybridRetriever, RetrieverMode } from '../retrieve/index.js';
import type { Answer, AnswerStreamPart, ChatTurn, Citation, Embedder, Generator, SourceDocument } from '../types.js';
import { isCitationExact } from './citations.js';
import { scoreEvidence, type EvidenceOptions } from './score-evidence.js';

/** The answer given when the corpus does not answer the question. */
export const REFUSAL = "I couldn't find this in the corpus.";

export interface AskRequest {
  question: string;
  history?: ChatTurn[];
  /** Passages to retrieve. */
  k?: number;
  mode?: RetrieverMode;
  signal?: AbortSignal;
}

/** Everything `ask` needs from one loaded index. */
export interface AskContext {
  retriever: HybridRetriever;
  generator: Generator;
  embedder: Embedder;
  /** IDF of an analysed term in the index. */
  idf: (term: string) => number;
  source: (sourceId: string) => SourceDocument | undefined;
  /**
   * Evidence score below which the question counts as not answered by the corpus; calibrated
   * on the evaluation questions.
   */
  groundingThreshold: number;
  evidence?: Partial<EvidenceOptions>;
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
  const retrieval = await context.retriever.retrieve(request.question, history, {
    ...(request.k === undefined ? {} : { k: request.k }),
    ...(request.mode === undefined ? {} : { mode: request.mode }),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const sourceOf = (sourceId: string): SourceDocument => {
    const document = context.source(sourceId);
    if (!document) throw new FootnoteError('internal', `passage refers to unknown source ${sourceId}`);
    return document;
  };
  const evidence = await scoreEvidence(
    {
      question: request.question,
      passages: retrieval.passages,
      termWeights: retrieval.query.termWeights,
      queryVector: retrieval.queryVector,
      embedder: context.embedder,
      idf: context.idf,
      sourceText: (sourceId) => sourceOf(sourceId).text,
      ...(request.signal ? { signal: request.signal } : {}),
    },
    context.evidence,
  );
  const retrieveMs = performance.now() - started;
  yield { type: 'retrieval-end', passages: retrieval.passages, query: retrieval.query.text };

  const answerStarted = performance.now();
  const finish = (answer: Omit<Answer, 'timings' | 'passages'>): AnswerStreamPart => ({
    type: 'finish',
    answer: { ...answer, passages: retrieval.passages, timings: { retrieveMs: round(retrieveMs), answerMs: round(performance.now() - answerStarted) } },
  });
  const best = evidence[0];
  if (!best || best.score < context.groundingThreshold) {
    yield { type: 'text-delta', text: REFUSAL };
    yield finish({
      answer: REFUSAL,
      grounded: false,
      citations: [],
      generator: context.generator.id,
      notice: retrieval.passages.length > 0 ? 'The passages listed are the closest matches in the corpus; they do not answer the question.' : 'The corpus has no passage related to this question.',
    });
    return;
  }

  let text = '';
  const citations: Citation[] = [];
  let unsupported: string[] | undefined;
  let notice: string | undefined;
  let generatorId = context.generator.id;
  for await (const part of context.generator.generate({
    question: request.question,
    query: retrieval.query.text,
    passages: retrieval.passages,
    evidence,
    history,
    sourceOf,
    ...(request.signal ? { signal: request.signal } : {}),
  })) {
    if (part.type === 'text-delta') text += part.text;
    else if (part.type === 'citation') {
      if (!isCitationExact(part.citation, sourceOf(part.citation.sourceId).text)) {
        throw new FootnoteError('internal', `citation [${part.citation.n}] does not match its source text`);
      }
      citations.push(part.citation);
    } else if (part.type === 'finish') {
      // A generator may finish with its own verdict (the LLM one reports unsupported sentences).
      text = part.answer.answer;
      citations.splice(0, citations.length, ...part.answer.citations);
      unsupported = part.answer.unsupported;
      notice = part.answer.notice;
      generatorId = part.answer.generator;
      continue;
    }
    yield part;
  }
  yield finish({
    answer: text,
    grounded: true,
    citations,
    generator: generatorId,
    ...(unsupported ? { unsupported } : {}),
    ...(notice ? { notice } : {}),
  });
}

/** The non-streaming answer: consumes `askStream` and returns its `finish` answer. */
export async function ask(request: AskRequest, context: AskContext): Promise<Answer> {
  for await (const part of askStream(request, context)) {
    if (part.type === 'finish') return part.answer;
    if (part.type === 'error') throw new FootnoteError('internal', part.error.message);
  }
  throw new FootnoteError('internal', 'the answer stream ended without an answer');
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 100) / 100;
}
