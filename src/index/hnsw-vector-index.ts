import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { VectorHit, VectorIndex } from '../types.js';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/** HNSW graph parameters of the vector index. */
export interface HnswOptions {
  /** Graph degree. @default 16 */
  m: number;
  /** Candidate list size while building. @default 200 */
  efConstruction: number;
  /** Candidate list size while searching (raised to `k` when smaller). @default 128 */
  efSearch: number;
  /** Seed for the level generator, so builds are reproducible. @default 100 */
  randomSeed: number;
}

/** The defaults of `HnswOptions` (see DESIGN.md for the recall they give). */
export const defaultHnswOptions: HnswOptions = { m: 16, efConstruction: 200, efSearch: 128, randomSeed: 100 };

/** File name of the saved HNSW graph inside an index generation. */
export const VECTOR_INDEX_FILE = 'vectors.hnsw';

/**
 * Cosine-similarity HNSW index (hnswlib-node) whose labels are chunk ids.
 */
export class HnswVectorIndex implements VectorIndex {
  private constructor(
    private readonly index: Hnsw,
    readonly dimensions: number,
    private readonly options: HnswOptions,
  ) {
    index.setEf(options.efSearch);
  }

  /** An empty index with room for `capacity` vectors. */
  static create(dimensions: number, capacity: number, options: Partial<HnswOptions> = {}): HnswVectorIndex {
    const settings = { ...defaultHnswOptions, ...options };
    const index = new HierarchicalNSW('cosine', dimensions);
    index.initIndex(Math.max(1, capacity), settings.m, settings.efConstruction, settings.randomSeed);
    return new HnswVectorIndex(index, dimensions, settings);
  }

  /** Reads a saved index (off the main thread, so callers can parse other files meanwhile). */
  static async load(
    directory: string,
    dimensions: number,
    options: Partial<HnswOptions> = {},
  ): Promise<HnswVectorIndex> {
    const settings = { ...defaultHnswOptions, ...options };
    const index = new HierarchicalNSW('cosine', dimensions);
    await index.readIndex(path.join(directory, VECTOR_INDEX_FILE));
    return new HnswVectorIndex(index, dimensions, settings);
  }

  get size(): number {
    return this.index.getCurrentCount();
  }

  add(id: number, vector: Float32Array): void {
    this.index.addPoint(Array.from(vector), id);
  }

  search(vector: Float32Array, k: number): VectorHit[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    this.index.setEf(Math.max(this.options.efSearch, count));
    const { neighbors, distances } = this.index.searchKnn(Array.from(vector), count);
    return neighbors.map((id, rank) => ({ id, score: 1 - (distances[rank] ?? 1) }));
  }

  async save(directory: string): Promise<void> {
    await this.index.writeIndex(path.join(directory, VECTOR_INDEX_FILE));
  }
}
