import { beforeAll, describe, expect, it } from 'vitest';
import { embedMany } from '../../src/embed/index.js';
import type { Embedder } from '../../src/types.js';

/** Short sentences on unrelated topics, for embedder tests. */
export const TEXTS = [
  'The river runs past the old farm.',
  'Children learn to read at school.',
  'A cold wind came from the north sea.',
  'Music and song fill the house at night.',
  'The answer is in the document index.',
  'Green trees grow near the mountain.',
  'Every footnote cites a passage.',
];

/** Two vectors are the same up to float noise. */
export function expectClose(actual: Float32Array | undefined, expected: Float32Array | undefined): void {
  expect(actual).toBeDefined();
  expect(actual?.length).toBe(expected?.length);
  for (const [index, value] of (actual ?? []).entries())
    expect(value).toBeCloseTo(expected?.[index] ?? Number.NaN, 5);
}

/**
 * The contract every `Embedder` keeps: one unit-length vector of `dimensions` per text, in input
 * order however the texts are batched, the same text the same vector, and an aborted signal
 * rejected with an `AbortError`. Each implementation's test calls it with a factory.
 */
export function runEmbedderContract(name: string, create: () => Promise<Embedder>): void {
  describe(`${name} keeps the Embedder contract`, () => {
    let embedder: Embedder;
    beforeAll(async () => {
      embedder = await create();
    });

    it('returns one unit-length vector of `dimensions` per text', async () => {
      const vectors = await embedder.embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector.length).toBe(embedder.dimensions);
        expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
      }
      expect(await embedder.embed([])).toEqual([]);
    });

    it('keeps input order, and gives the same text the same vector and different texts different ones', async () => {
      const together = await embedder.embed(TEXTS);
      for (const [index, text] of TEXTS.entries())
        expectClose(together[index], (await embedder.embed([text]))[0]);
      expect(Array.from(together[0]!)).not.toEqual(Array.from(together[1]!));
    });

    it('gives the same vectors batched by embedMany at maxBatchSize as in one call', async () => {
      expect(embedder.maxBatchSize).toBeGreaterThan(0);
      const many = Array.from(
        { length: 2 * embedder.maxBatchSize + 1 },
        (_, index) => TEXTS[index % TEXTS.length]!,
      );
      const calls: number[] = [];
      const counting: Embedder = {
        id: embedder.id,
        dimensions: embedder.dimensions,
        maxBatchSize: embedder.maxBatchSize,
        embed: (texts, options) => {
          calls.push(texts.length);
          return embedder.embed(texts, options);
        },
      };
      const batched = await embedMany(counting, many);
      expect(calls).toEqual([embedder.maxBatchSize, embedder.maxBatchSize, 1]);
      const direct = await embedder.embed(TEXTS);
      for (const [index, vector] of batched.entries()) expectClose(vector, direct[index % TEXTS.length]);
    });

    it('rejects an already aborted signal with an AbortError', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(embedder.embed(TEXTS, { signal: controller.signal })).rejects.toMatchObject({
        name: 'AbortError',
      });
    });
  });
}
