import { normalize } from '../embed/index.js';
import type { ChatTurn, Chunk, Embedder, LexicalIndex, Passage, VectorIndex } from '../types.js';
import { type ContextualQuery, contextualQuery } from './contextual-query.js';

export type RetrieverMode = 'hybrid' | 'bm25' | 'dense';

export interface RetrieverOptions {
  /** Passages returned. @default 5 */
  k: number;
  /** Candidates taken from each retriever before fusion. @default 50 */
  candidates: number;
  /** @default 'hybrid' */
  mode: RetrieverMode;
  /**
   * `weighted`: sum of each list's scores scaled to [0, 1] by its best score; `rrf`: reciprocal
   * rank fusion.
   * @default 'weighted'
   */
  fusion: 'weighted' | 'rrf';
  /** Weight of the BM25 list in fusion. @default 0.7 */
  lexicalWeight: number;
  /** Weight of the dense list in fusion. @default 0.3 */
  denseWeight: number;
  /** RRF's rank constant. @default 60 */
  rrfK: number;
}

export const defaultRetrieverOptions: RetrieverOptions = {
  k: 5,
  candidates: 50,
  mode: 'hybrid',
  fusion: 'weighted',
  lexicalWeight: 0.7,
  denseWeight: 0.3,
  rrfK: 60,
};

/** What the retriever searches: the chunk table and both indexes of one loaded index. */
export interface RetrievalCorpus {
  chunks: Chunk[];
  vectorIndex: VectorIndex;
  lexicalIndex: LexicalIndex;
}

export interface Retrieval {
  query: ContextualQuery;
  queryVector: Float32Array;
  passages: Passage[];
}

/**
 * Dense (HNSW) + BM25 retrieval, fused, with overlapping and duplicate chunks removed.
 */
export class HybridRetriever {
  readonly options: RetrieverOptions;

  constructor(
    private readonly corpus: RetrievalCorpus,
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
    const lexical =
      options.mode === 'dense'
        ? []
        : this.corpus.lexicalIndex.search(query.lexicalText, options.candidates, query.termWeights);
    const dense =
      options.mode === 'bm25' ? [] : this.corpus.vectorIndex.search(queryVector, options.candidates);
    const fused = fuse(lexical, dense, options);
    return { query, queryVector, passages: this.toPassages(fused, options.k) };
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

  private toPassages(fused: FusedHit[], k: number): Passage[] {
    const passages: Passage[] = [];
    const seenTexts = new Set<string>();
    for (const hit of fused) {
      const chunk = this.corpus.chunks[hit.id];
      if (!chunk) continue;
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

interface FusedHit {
  id: number;
  score: number;
  denseScore?: number;
  lexicalScore?: number;
}

/** Combines the two ranked lists into one (exported for tests and evaluation). */
export function fuse(
  lexical: Array<{ id: number; score: number }>,
  dense: Array<{ id: number; score: number }>,
  options: RetrieverOptions,
): FusedHit[] {
  const hits = new Map<number, FusedHit>();
  const get = (id: number) => {
    let hit = hits.get(id);
    if (!hit) {
      hit = { id, score: 0 };
      hits.set(id, hit);
    }
    return hit;
  };
  const onlyOne = lexical.length === 0 || dense.length === 0;
  const lexicalWeight = onlyOne ? 1 : options.lexicalWeight;
  const denseWeight = onlyOne ? 1 : options.denseWeight;
  const bestLexical = lexical[0]?.score ?? 1;
  lexical.forEach((entry, rank) => {
    const hit = get(entry.id);
    hit.lexicalScore = entry.score;
    hit.score +=
      options.fusion === 'rrf'
        ? lexicalWeight / (options.rrfK + rank + 1)
        : (lexicalWeight * entry.score) / bestLexical;
  });
  const bestDense = dense[0]?.score ?? 1;
  dense.forEach((entry, rank) => {
    const hit = get(entry.id);
    hit.denseScore = entry.score;
    hit.score +=
      options.fusion === 'rrf'
        ? denseWeight / (options.rrfK + rank + 1)
        : (denseWeight * Math.max(0, entry.score)) / Math.max(1e-9, bestDense);
  });
  return [...hits.values()].sort((a, b) => b.score - a.score || a.id - b.id);
}

function overlapRatio(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  return overlap <= 0 ? 0 : overlap / Math.min(a.end - a.start, b.end - b.start);
}
