import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLOVE_CACHE_FILE } from '../../src/embed/glove-vectors.js';
import { chooseEmbedder, embedMany, GloveEmbedder, loadGloveVectors } from '../../src/embed/index.js';
import type { Embedder } from '../../src/types.js';
import { runEmbedderContract } from './embedder.case.js';

const cacheDirectory = path.resolve('node_modules/.cache/footnote');
const cosine = (a: Float32Array, b: Float32Array) =>
  a.reduce((sum, value, index) => sum + value * b[index]!, 0);

runEmbedderContract('GloveEmbedder', async () => new GloveEmbedder(await loadGloveVectors(cacheDirectory)));

describe('GloVe SIF embedder', () => {
  it('loads the binary word-vector cache (vocabulary in frequency order + 100-d matrix)', async () => {
    const vectors = await loadGloveVectors(cacheDirectory);
    expect(vectors.dimensions).toBe(100);
    expect(vectors.vocabulary.size).toBeGreaterThan(340_000);
    expect(vectors.vocabulary.get('the')).toBe(0);
    // Rows are read on demand: the last row is whole, and a row outside the matrix is refused.
    const last = vectors.row(vectors.vocabulary.size - 1);
    expect(last).toHaveLength(100);
    expect(last.some((value) => value !== 0)).toBe(true);
    expect(vectors.row(0)).toBe(vectors.row(0));
    expect(() => vectors.row(vectors.vocabulary.size)).toThrow(RangeError);
  });

  it('reads each row as the whole file holds it', async () => {
    const vectors = await loadGloveVectors(cacheDirectory);
    const bytes = await fs.readFile(path.join(cacheDirectory, GLOVE_CACHE_FILE));
    const matrixStart = bytes.length - vectors.vocabulary.size * 400;
    for (const word of ['the', 'magnitsky', 'penguin', 'zeppelin']) {
      const row = vectors.vocabulary.get(word)!;
      const whole = new Float32Array(
        bytes.buffer.slice(
          bytes.byteOffset + matrixStart + row * 400,
          bytes.byteOffset + matrixStart + (row + 1) * 400,
        ),
      );
      expect(Array.from(vectors.row(row)), word).toEqual(Array.from(whole));
    }
  });

  it('gives unit vectors where related sentences are closer than unrelated ones', async () => {
    const embedder = new GloveEmbedder(await loadGloveVectors(cacheDirectory));
    const [talks, diplomacy, football] = await embedder.embed([
      'The foreign ministers held talks on the Syrian crisis.',
      'Diplomats met to discuss the war in Syria.',
      'The striker scored twice in the second half of the match.',
    ]);
    for (const vector of [talks!, diplomacy!, football!]) expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(cosine(talks!, diplomacy!)).toBeGreaterThan(cosine(talks!, football!) + 0.2);
  });

  it('weights rare words over common ones (SIF)', async () => {
    const embedder = new GloveEmbedder(await loadGloveVectors(cacheDirectory));
    expect(embedder.weight('the')).toBeLessThan(0.05);
    expect(embedder.weight('magnitsky')).toBeGreaterThan(0.9);
    expect(embedder.weight('notawordatallxyz')).toBe(0);
  });

  it('fits to a corpus, records its state, and restores the same embeddings from it', async () => {
    const provider = chooseEmbedder({ embedder: 'glove', cacheDirectory });
    const texts = [
      'Lavrov met Clinton in New York.',
      'The Magnitsky Act passed the House.',
      'Kerry phoned Lavrov about Geneva.',
    ];
    const { embedder, state } = await provider.fit(texts);
    const restored = await provider.restore(JSON.parse(JSON.stringify(state)));
    const [a] = await embedder.embed(['Geneva peace talks']);
    const [b] = await restored.embed(['Geneva peace talks']);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  });

  it('auto falls back to GloVe with one notice when no transformers model is present', async () => {
    const notices: string[] = [];
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-models-'));
    const provider = chooseEmbedder({
      embedder: 'auto',
      modelsDirectory: empty,
      cacheDirectory,
      onNotice: (line) => notices.push(line),
    });
    expect(provider.id).toBe('glove-sg-100d');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/no transformers model.*GloVe/);
    expect(() => chooseEmbedder({ embedder: 'word2vec' })).toThrow(
      /unknown embedder "word2vec"; use auto, glove or transformers:<model-id>/,
    );
  });
});

describe('embedMany', () => {
  it('batches by maxBatchSize, keeps order and reports progress', async () => {
    const calls: number[] = [];
    const recording: Embedder = {
      id: 'recording',
      dimensions: 1,
      maxBatchSize: 3,
      async embed(texts) {
        calls.push(texts.length);
        return texts.map((text) => new Float32Array([Number(text)]));
      },
    };
    const progress: number[] = [];
    const vectors = await embedMany(recording, ['1', '2', '3', '4', '5', '6', '7'], {
      onProgress: (done) => progress.push(done),
    });
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(calls).toEqual([3, 3, 1]);
    expect(progress).toEqual([3, 6, 7]);
    const controller = new AbortController();
    controller.abort();
    await expect(embedMany(recording, ['1'], { signal: controller.signal })).rejects.toThrow();
  });
});
