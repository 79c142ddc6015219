import type { Embedder, EmbedOptions } from '../types.js';
import type { GloveVectors, WordLookup } from './glove-vectors.js';

/** Word statistics of the corpus an index was built from; saved with the index. */
export interface WordStatistics {
  /** Token count per word (lowercased, as the vocabulary spells it). */
  counts: Record<string, number>;
  total: number;
}

/** The SIF weighting of the GloVe embedder. */
export interface GloveEmbedderOptions {
  /**
   * SIF smoothing constant `a` in `a / (a + p(w))`: smaller values silence frequent words more.
   * @default 1e-3
   */
  smoothing: number;
  /**
   * Weight of the corpus's own word frequencies in p(w), against the Zipf estimate from the
   * vectors' frequency-ordered vocabulary (0 = vocabulary order only).
   * @default 0.5
   */
  corpusWeight: number;
  /** Corpus word counts; when absent only the vocabulary order is used. @default none */
  statistics?: WordStatistics;
  /**
   * A unit vector to project out of every embedding (SIF's common-component removal), computed
   * from the corpus at ingest. Absent = no removal.
   * @default none
   */
  commonComponent?: number[];
}

/** The defaults of `GloveEmbedderOptions` (the SIF paper's smoothing). */
export const defaultGloveEmbedderOptions: GloveEmbedderOptions = {
  smoothing: 1e-3,
  corpusWeight: 0.5,
};

const TOKEN = /[\p{L}\p{N}]+(?:['’.\-&][\p{L}\p{N}]+)*\.?/gu;

/** Lowercased tokens spelled as the GloVe vocabulary spells them. */
export function gloveTokens(text: string, vocabulary: WordLookup): string[] {
  const tokens: string[] = [];
  for (const match of text.toLowerCase().replace(/’/g, "'").matchAll(TOKEN)) {
    let token = match[0];
    if (vocabulary.has(token)) {
      tokens.push(token);
      continue;
    }
    if (token.endsWith('.')) token = token.slice(0, -1);
    if (token.endsWith("'s")) token = token.slice(0, -2);
    if (vocabulary.has(token)) {
      tokens.push(token);
      continue;
    }
    for (const part of token.split(/['.\-&]/)) if (part && vocabulary.has(part)) tokens.push(part);
  }
  return tokens;
}

/** Counts vocabulary words over texts, for SIF weights from the corpus's own frequencies. */
export function countWords(texts: Iterable<string>, vectors: GloveVectors): WordStatistics {
  const counts: Record<string, number> = {};
  let total = 0;
  for (const text of texts) {
    for (const token of gloveTokens(text, vectors.vocabulary)) {
      counts[token] = (counts[token] ?? 0) + 1;
      total++;
    }
  }
  return { counts, total };
}

/**
 * Smooth inverse frequency (SIF) sentence embeddings over pretrained word vectors (Arora et
 * al., 2017): a weighted average of word vectors, each weighted `a / (a + p(w))`, optionally
 * minus the projection on the corpus's common component, normalised to unit length.
 */
export class GloveEmbedder implements Embedder {
  readonly id = 'glove-sg-100d';
  readonly dimensions: number;
  readonly maxBatchSize = 256;
  private readonly options: GloveEmbedderOptions;
  private readonly harmonic: number;

  constructor(
    private readonly vectors: GloveVectors,
    options: Partial<GloveEmbedderOptions> = {},
  ) {
    this.options = { ...defaultGloveEmbedderOptions, ...options };
    this.dimensions = vectors.dimensions;
    this.harmonic = Math.log(vectors.vocabulary.size) + 0.5772;
  }

  /** Weight of one word; unknown words weigh nothing. */
  weight(word: string): number {
    const row = this.vectors.vocabulary.get(word);
    if (row === undefined) return 0;
    const zipf = 1 / ((row + 1) * this.harmonic);
    const { statistics, corpusWeight, smoothing } = this.options;
    let probability = zipf;
    if (statistics && statistics.total > 0) {
      const corpus = (statistics.counts[word] ?? 0) / statistics.total;
      probability = corpusWeight * corpus + (1 - corpusWeight) * zipf;
    }
    return smoothing / (smoothing + probability);
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    options.signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }

  /**
   * The unit-length pretrained vector of one lowercase word (no common-component removal), or
   * undefined for a word the vectors do not know: what word-to-word alignment compares.
   */
  wordVector(word: string): Float32Array | undefined {
    const row = this.vectors.vocabulary.get(word);
    if (row === undefined) return undefined;
    return normalize(this.vectors.row(row).slice());
  }

  /** The unnormalised SIF average, before common-component removal. */
  rawEmbedding(text: string): Float32Array {
    const { dimensions, vocabulary } = this.vectors;
    const sum = new Float32Array(dimensions);
    let totalWeight = 0;
    for (const token of gloveTokens(text, vocabulary)) {
      const weight = this.weight(token);
      if (weight === 0) continue;
      const vector = this.vectors.row(vocabulary.get(token)!);
      for (let column = 0; column < dimensions; column++) sum[column]! += weight * vector[column]!;
      totalWeight += weight;
    }
    if (totalWeight > 0) for (let column = 0; column < dimensions; column++) sum[column]! /= totalWeight;
    return sum;
  }

  private embedOne(text: string): Float32Array {
    const vector = this.rawEmbedding(text);
    const component = this.options.commonComponent;
    if (component) {
      let projection = 0;
      for (let column = 0; column < vector.length; column++)
        projection += vector[column]! * component[column]!;
      for (let column = 0; column < vector.length; column++)
        vector[column]! -= projection * component[column]!;
    }
    return normalize(vector);
  }
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalize<T extends Float32Array>(vector: T): T {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index++) vector[index]! /= norm;
  return vector;
}

/**
 * First principal direction of a set of vectors (power iteration on the uncentred second
 * moment, as SIF does), used as the common component.
 */
export function principalComponent(vectors: Float32Array[], iterations = 30): number[] {
  const dimensions = vectors[0]?.length ?? 0;
  let direction = new Float32Array(dimensions).fill(1 / Math.sqrt(Math.max(1, dimensions)));
  for (let iteration = 0; iteration < iterations; iteration++) {
    const next = new Float32Array(dimensions);
    for (const vector of vectors) {
      let dot = 0;
      for (let column = 0; column < dimensions; column++) dot += vector[column]! * direction[column]!;
      for (let column = 0; column < dimensions; column++) next[column]! += dot * vector[column]!;
    }
    direction = normalize(next);
  }
  return Array.from(direction);
}
