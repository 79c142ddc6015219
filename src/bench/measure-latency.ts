import type { Engine } from '../engine.js';
import { type EvalQuestion, percentile } from '../eval/index.js';
import { createApp } from '../server/index.js';

/** A corpus the bench indexes, with the questions its answer latency is measured on. */
export interface BenchCorpus {
  name: string;
  directory: string;
  /** Where the questions come from, for the report. */
  questionsFrom: string;
  questions: EvalQuestion[];
}

/** Answer latency over one corpus. */
export interface LatencyMeasure {
  corpus: string;
  chunks: number;
  questions: number;
  questionsFrom: string;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  refused: number;
}

/**
 * Times in-process `POST /api/ask` (through `app.request`, so JSON and validation are included)
 * for every question of the corpus, after 20 warm-up questions.
 */
export async function measureLatency(corpus: BenchCorpus, engine: Engine): Promise<LatencyMeasure> {
  const app = createApp({ holder: { engine }, log: () => {} });
  const ask = async (question: EvalQuestion) => {
    const response = await app.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        question: question.question,
        ...(question.history ? { history: question.history } : {}),
      }),
    });
    const body = (await response.json()) as { grounded?: boolean | 'partial' };
    if (response.status !== 200)
      throw new Error(`POST /api/ask answered ${response.status}: ${JSON.stringify(body)}`);
    return body.grounded === true || body.grounded === 'partial';
  };
  for (const question of corpus.questions.slice(0, 20)) await ask(question);
  const times: number[] = [];
  let refused = 0;
  for (const question of corpus.questions) {
    const started = performance.now();
    const grounded = await ask(question);
    times.push(performance.now() - started);
    if (!grounded) refused++;
  }
  return {
    corpus: corpus.name,
    chunks: engine.store.manifest.counts.chunks,
    questions: times.length,
    questionsFrom: corpus.questionsFrom,
    p50Ms: percentile(times, 50) ?? 0,
    p95Ms: percentile(times, 95) ?? 0,
    meanMs: times.reduce((sum, time) => sum + time, 0) / times.length,
    refused,
  };
}
