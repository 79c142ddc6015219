import { isCitationExact } from '../answer/index.js';
import type { Engine } from '../engine.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { type EvalReport, type QuestionResult, summarize } from './metrics.js';
import type { EvalQuestion } from './question-set.js';
import { type Split, splitOfQuestion } from './split.js';

/** How `runEval` asks the questions. */
export interface RunEvalOptions {
  /** Passages retrieved per question. @default the engine's (5) */
  k?: number;
  /** @default 'hybrid' */
  mode?: RetrieverMode;
  /** Called after each question. @default none */
  onProgress?: (done: number, total: number) => void;
  /** Merged into the report's `config`. @default {} */
  config?: Record<string, unknown>;
  /** Stops the run between questions. @default none */
  signal?: AbortSignal;
}

/** One question's result with the question text and the half of the split it belongs to. */
export type EvalResult = QuestionResult & { question: string; split: Split };

/** The result of `runEval`: the summary report and every question's result. */
export interface EvalRun {
  report: EvalReport;
  results: EvalResult[];
}

/**
 * Runs every question through the same code path as `POST /api/ask` and scores the answers.
 */
export async function runEval(
  engine: Engine,
  questions: EvalQuestion[],
  options: RunEvalOptions = {},
): Promise<EvalRun> {
  const results: EvalResult[] = [];
  for (const [index, item] of questions.entries()) {
    options.signal?.throwIfAborted();
    const started = performance.now();
    const answer = await engine.ask({
      question: item.question,
      history: item.history ?? [],
      ...(options.k === undefined ? {} : { k: options.k }),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
    });
    const latencyMs = performance.now() - started;
    const { rankedSources } = answer;
    const sources = await engine.store.getSources(answer.citations.map((citation) => citation.sourceId));
    const citationsValid = answer.citations.filter((citation) => {
      const source = sources.get(citation.sourceId);
      return (
        source !== undefined && source.source === citation.source && isCitationExact(citation, source.text)
      );
    }).length;
    results.push({
      id: item.id,
      question: item.question,
      split: splitOfQuestion(item),
      answerable: item.answers.length > 0 || item.sources.length > 0,
      rankedSources,
      goldSources: item.sources,
      answer: answer.answer,
      goldAnswers: item.answers,
      // A "may answer" reply is an answer: it quotes a passage as one.
      grounded: answer.grounded !== false,
      citedSources: answer.citations.map((citation) => citation.source),
      firstQuote: answer.citations[0]?.quote ?? null,
      confidence: answer.confidence,
      citationsValid,
      citationsTotal: answer.citations.length,
      latencyMs,
    });
    options.onProgress?.(index + 1, questions.length);
  }
  const { manifest } = engine.store;
  const config = {
    embedder: engine.embedderId,
    generator: engine.generatorId,
    retriever: options.mode ?? 'hybrid',
    k: options.k ?? 5,
    chunking: manifest.chunking,
    corpus: { sources: manifest.counts.sources, chunks: manifest.counts.chunks },
    ...options.config,
  };
  return { report: summarize(results, config), results };
}
