import { normalize } from '../embed/index.js';
import type { FusionOptions, SearchMode, StoreHit, StoreSnapshot } from '../store/index.js';
import type { ChatTurn, Embedder, Passage } from '../types.js';
import { type ContextualQuery, contextualQuery } from './contextual-query.js';

/** Which retrievers run: `hybrid` (both, fused), `bm25` or `dense` alone. */
export type RetrieverMode = SearchMode;

/** How many passages the retriever returns, from which retrievers, fused how. */
export interface RetrieverOptions extends FusionOptions {
  /** Passages returned. @default 5 */
  k: number;
  /** @default 'hybrid' */
  mode: RetrieverMode;
}

/** The measured defaults of `RetrieverOptions` (see DESIGN.md). */
export const defaultRetrieverOptions: RetrieverOptions = {
  k: 5,
  candidates: 50,
  mode: 'hybrid',
  fusion: 'weighted',
  lexicalWeight: 0.7,
  denseWeight: 0.3,
  rrfK: 60,
};

/** What one retrieval found: the passages, the query as searched, and its embedding. */
export interface Retrieval {
  query: ContextualQuery;
  queryVector: Float32Array;
  passages: Passage[];
}

/**
 * Dense + BM25 retrieval from a store (which fuses the two lists), with overlapping and
 * duplicate chunks removed.
 */
export class HybridRetriever {
  readonly options: RetrieverOptions;

  constructor(
    private readonly store: Pick<StoreSnapshot, 'search'>,
    private readonly embedder: Embedder,
    options: Partial<RetrieverOptions> = {},
  ) {
    this.options = { ...defaultRetrieverOptions, ...options };
  }

  async retrieve(
    question: string,
    history: ChatTurn[] = [],
    overrides: Partial<RetrieverOptions> & { signal?: AbortSignal } = {},
  ): Promise<Retrieval> {
    const { signal, ...rest } = overrides;
    const options = { ...this.options, ...rest };
    const query = contextualQuery(question, history);
    const queryVector = await this.embedQuery(query, signal);
    const hits = await this.store.search({
      lexicalText: query.lexicalText,
      termWeights: query.termWeights,
      vector: queryVector,
      mode: options.mode,
      candidates: options.candidates,
      fusion: options.fusion,
      lexicalWeight: options.lexicalWeight,
      denseWeight: options.denseWeight,
      rrfK: options.rrfK,
      // Both full lists, so de-duplication below never runs short of candidates.
      limit: 2 * options.candidates,
    });
    return { query, queryVector, passages: this.toPassages(hits, options.k) };
  }

  /** Embeds the question and its context parts, weighted, as one unit vector. */
  async embedQuery(query: ContextualQuery, signal?: AbortSignal): Promise<Float32Array> {
    const vectors = await this.embedder.embed(
      query.denseParts.map((part) => part.text),
      { kind: 'query', ...(signal ? { signal } : {}) },
    );
    const combined = new Float32Array(this.embedder.dimensions);
    vectors.forEach((vector, index) => {
      const weight = query.denseParts[index]!.weight;
      for (let column = 0; column < combined.length; column++) combined[column]! += weight * vector[column]!;
    });
    return normalize(combined);
  }

  private toPassages(hits: StoreHit[], k: number): Passage[] {
    const passages: Passage[] = [];
    const seenTexts = new Set<string>();
    for (const hit of hits) {
      const { chunk } = hit;
      const key = chunk.text.replace(/\s+/g, ' ').trim().toLowerCase();
      if (seenTexts.has(key)) continue;
      if (passages.some((kept) => kept.sourceId === chunk.sourceId && overlapRatio(kept, chunk) > 0.5))
        continue;
      seenTexts.add(key);
      passages.push({
        chunkId: chunk.id,
        sourceId: chunk.sourceId,
        source: chunk.source,
        title: chunk.title,
        start: chunk.start,
        end: chunk.end,
        lineStart: chunk.lineStart,
        lineEnd: chunk.lineEnd,
        ...(chunk.page === undefined ? {} : { page: chunk.page }),
        ...(chunk.section === undefined ? {} : { section: chunk.section }),
        text: chunk.text,
        sentences: chunk.sentences,
        score: hit.score,
        ...(hit.denseScore === undefined ? {} : { denseScore: hit.denseScore }),
        ...(hit.lexicalScore === undefined ? {} : { lexicalScore: hit.lexicalScore }),
      });
      if (passages.length >= k) break;
    }
    return passages;
  }
}

function overlapRatio(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  return overlap <= 0 ? 0 : overlap / Math.min(a.end - a.start, b.end - b.start);
}
