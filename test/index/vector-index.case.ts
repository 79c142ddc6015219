import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VectorIndex } from '../../src/types.js';

/** Seeded pseudo-random unit vectors, so failures reproduce. */
export function randomUnitVectors(count: number, dimensions: number, seed = 7): Float32Array[] {
  let state = seed;
  const next = () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296 - 0.5;
  };
  return Array.from({ length: count }, () => {
    const vector = new Float32Array(dimensions).map(() => next());
    const norm = Math.hypot(...vector);
    return vector.map((value) => value / norm);
  });
}

function bruteForce(vectors: Float32Array[], query: Float32Array, k: number): number[] {
  return vectors
    .map((vector, id) => ({
      id,
      score: vector.reduce((sum, value, index) => sum + value * query[index]!, 0),
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((hit) => hit.id);
}

/** The contract every VectorIndex implementation must keep. */
export function runVectorIndexContract(
  name: string,
  implementation: {
    create: (dimensions: number, capacity: number) => VectorIndex;
    load: (directory: string, dimensions: number) => VectorIndex | Promise<VectorIndex>;
  },
): void {
  describe(`${name} (VectorIndex contract)`, () => {
    const dimensions = 32;
    const vectors = randomUnitVectors(2000, dimensions);
    const queries = randomUnitVectors(100, dimensions, 99);

    it('finds the true nearest neighbours with recall@10 of at least 0.95 against brute force', () => {
      const index = implementation.create(dimensions, vectors.length);
      for (const [id, vector] of vectors.entries()) index.add(id, vector);
      expect(index.size).toBe(vectors.length);
      let found = 0;
      for (const query of queries) {
        const truth = new Set(bruteForce(vectors, query, 10));
        found += index.search(query, 10).filter((hit) => truth.has(hit.id)).length;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    });

    it('scores by cosine similarity, best first, and never returns more than it holds', () => {
      const index = implementation.create(dimensions, 3);
      index.add(0, vectors[0]!);
      index.add(1, vectors[1]!);
      const hits = index.search(vectors[0]!, 10);
      expect(hits).toHaveLength(2);
      expect(hits[0]).toMatchObject({ id: 0 });
      expect(hits[0]!.score).toBeCloseTo(1, 4);
      expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
    });

    it('gives identical results after a save → load round trip', async () => {
      const index = implementation.create(dimensions, vectors.length);
      for (const [id, vector] of vectors.entries()) index.add(id, vector);
      const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-vectors-'));
      await index.save(directory);
      const loaded = await implementation.load(directory, dimensions);
      for (const query of queries.slice(0, 20))
        expect(loaded.search(query, 10)).toEqual(index.search(query, 10));
      await fs.rm(directory, { recursive: true });
    });
  });
}
