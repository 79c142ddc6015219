import { LRUCache } from 'lru-cache';
import type { HybridRetriever } from '../retrieve/index.js';
import type { StoreSnapshot } from '../store/index.js';
import { analyze } from '../text/index.js';
import type { Embedder, SourceDocument } from '../types.js';
import type { FeatureContext } from './answer-features.js';
import type { AnswerScorer } from './answer-scorer.js';
import type { EvidenceOptions } from './score-evidence.js';
import type { Generator } from './types.js';

/** How questions are answered: thresholds and re-ranking weights, all in one place. */
export interface AskOptions {
  /**
   * Confidence (the abstainer's probability) below which the question is refused.
   * @default the threshold stored with the scorer's weights (chosen on the tuning curve, EVALS.md)
   */
  groundingThreshold?: number;
  /** The learned ranker and abstainer. @default the committed `weights/answer-scorer.json` */
  scorer?: AnswerScorer;
  /**
   * Unit word vectors for words (undefined where unknown), for aligning question and sentence
   * words; without it only exact words and their variants align. @default none
   */
  wordVectors?: FeatureContext['wordVectors'];
  /** Weights of the sentence evidence score. @default defaultEvidenceOptions */
  evidence: Partial<EvidenceOptions>;
  /**
   * Passages retrieved before re-ranking by their best sentence; the top `k` of them are kept.
   * @default 20
   */
  rerankCandidates: number;
  /**
   * Share of the re-ranked score that comes from retrieval; the rest is the passage's best
   * sentence evidence score.
   * @default 0.2
   */
  retrievalWeight: number;
  /**
   * Weight, added in re-ranking, of how much of the question the passage's whole source
   * document covers (IDF-weighted): a passage from a document that is about all of the
   * question beats an equally good one from a document that only brushes it. Measured on all
   * 5,696 SQuAD questions, together with the 0.7/0.3 fusion and the 0.2 retrieval weight:
   * hit@1 0.814 → 0.821, and the gain holds on each half of the articles; no change on the
   * corpus questions. See DESIGN.md.
   * @default 0.25
   */
  sourceWeight: number;
}

/** The measured best answering settings (see EVALS.md). */
export const defaultAskOptions: AskOptions = {
  evidence: {},
  rerankCandidates: 20,
  retrievalWeight: 0.2,
  sourceWeight: 0.25,
};

/**
 * What answering one question reads from the index, fetched in one go after retrieval so the
 * scoring that follows is synchronous: term statistics and the passages' whole sources.
 */
export interface AnswerFacts {
  /** IDF of an analysed term (BM25's form, over chunks). */
  idf: (term: string) => number;
  /** Chunks that contain an analysed term. */
  documentFrequency: (term: string) => number;
  /** A source fetched for this question (the passages' sources). */
  source: (sourceId: string) => SourceDocument | undefined;
  /** Analysed terms of a whole source document (cached across questions). */
  sourceTerms: (sourceId: string) => ReadonlySet<string>;
}

/** Everything `ask` needs from one loaded generation. */
export interface AskContext extends AskOptions {
  retriever: HybridRetriever;
  generator: Generator;
  embedder: Embedder;
  /** Fetches the statistics of `terms` and the sources `sourceIds` for one question. */
  facts: (terms: readonly string[], sourceIds: readonly string[]) => Promise<AnswerFacts>;
}

/** Document frequencies kept per generation (a few bytes each). */
const FREQUENCY_CACHE_SIZE = 100_000;
/** Sources whose analysed term sets are kept for re-ranking (a few KB each). */
const SOURCE_TERM_CACHE_SIZE = 2_000;

/** BM25's inverse document frequency of a term found in `frequency` of `count` chunks. */
export function inverseDocumentFrequency(frequency: number, count: number): number {
  return Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
}

/**
 * The answering context over one store snapshot: term statistics and source term sets are
 * cached for the snapshot's life (it never changes), sources are fetched per question.
 */
export function createAskContext(
  store: StoreSnapshot,
  parts: Pick<AskContext, 'retriever' | 'generator' | 'embedder'>,
  options: Partial<AskOptions> = {},
): AskContext {
  const chunkCount = store.manifest.counts.chunks;
  const frequencies = new Map<string, number>();
  // Re-ranking looks at the whole source of each candidate passage; analysing an article costs
  // about as much as answering, so the term sets of recently seen sources are kept.
  const sourceTermCache = new LRUCache<string, Set<string>>({ max: SOURCE_TERM_CACHE_SIZE });
  const facts = async (terms: readonly string[], sourceIds: readonly string[]): Promise<AnswerFacts> => {
    const missing = [...new Set(terms)].filter((term) => !frequencies.has(term));
    const [fetched, sources] = await Promise.all([
      missing.length > 0 ? store.documentFrequencies(missing) : new Map<string, number>(),
      store.getSources([...new Set(sourceIds)]),
    ]);
    const local = new Map<string, number>();
    for (const term of missing) {
      const frequency = fetched.get(term) ?? 0;
      if (frequencies.size < FREQUENCY_CACHE_SIZE) frequencies.set(term, frequency);
      else local.set(term, frequency);
    }
    const documentFrequency = (term: string) => frequencies.get(term) ?? local.get(term) ?? 0;
    return {
      idf: (term) => inverseDocumentFrequency(documentFrequency(term), chunkCount),
      documentFrequency,
      source: (sourceId) => sources.get(sourceId),
      sourceTerms: (sourceId) => {
        let terms = sourceTermCache.get(sourceId);
        if (!terms) {
          terms = new Set(analyze(sources.get(sourceId)?.text ?? ''));
          sourceTermCache.set(sourceId, terms);
        }
        return terms;
      },
    };
  };
  return { ...defaultAskOptions, ...options, ...parts, facts };
}
