import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ChunkDraft,
  GenerationManifest,
  StoreProvider,
  StoreSearchRequest,
} from '../../src/store/index.js';
import type { SourceDocument } from '../../src/types.js';
import { randomUnitVectors } from '../index/vector-index.case.js';

const DIMENSIONS = 32;
const SOURCES = 150;
const CHUNKS_PER_SOURCE = 8;
const WORDS = ['harbour', 'penguin', 'glacier', 'senate', 'violin', 'comet', 'falcon', 'orchard', 'quartz'];

interface Corpus {
  documents: SourceDocument[];
  chunks: Map<string, ChunkDraft[]>;
  vectors: Map<string, Float32Array[]>;
}

/** Synthetic sources: chunk `j` of source `i` names a few words; every chunk has a random vector. */
function makeCorpus(seed = 7, sources = SOURCES): Corpus {
  const allVectors = randomUnitVectors(sources * CHUNKS_PER_SOURCE, DIMENSIONS, seed);
  const corpus: Corpus = { documents: [], chunks: new Map(), vectors: new Map() };
  for (let i = 0; i < sources; i++) {
    const id = `s${String(i).padStart(15, '0')}`;
    const parts = Array.from({ length: CHUNKS_PER_SOURCE }, (_, j) => {
      const words = [WORDS[(i + j) % WORDS.length], WORDS[(i * 3 + j) % WORDS.length]];
      if (i === 42 && j === 3) words.push('zeppelin');
      return `Chunk ${j} of source ${i} mentions ${words.join(' and ')}.`;
    });
    const text = parts.join('\n');
    const document: SourceDocument = {
      id,
      source: `doc-${i}.txt`,
      title: `Document ${i}`,
      text,
      hash: `hash-${seed}-${i}`,
      format: 'text',
      encoding: 'utf-8',
      boilerplate: [],
    };
    let start = 0;
    const drafts = parts.map((part, j) => {
      const draft: ChunkDraft = {
        sourceId: id,
        source: document.source,
        title: document.title,
        start,
        end: start + part.length,
        lineStart: j + 1,
        lineEnd: j + 1,
        text: part,
        sentences: [[start, start + part.length]],
      };
      start += part.length + 1;
      return draft;
    });
    corpus.documents.push(document);
    corpus.chunks.set(id, drafts);
    corpus.vectors.set(id, allVectors.slice(i * CHUNKS_PER_SOURCE, (i + 1) * CHUNKS_PER_SOURCE));
  }
  return corpus;
}

function manifestFor(documents: SourceDocument[], corpus: Corpus): GenerationManifest {
  return {
    createdAt: new Date().toISOString(),
    corpusRoot: '/synthetic',
    embedder: { id: 'test-random', dimensions: DIMENSIONS },
    chunking: {},
    files: Object.fromEntries(
      documents.map((document) => [
        document.source,
        {
          id: document.id,
          hash: document.hash,
          chunks: corpus.chunks.get(document.id)!.length,
          encoding: document.encoding,
          format: document.format,
        },
      ]),
    ),
  };
}

async function writeCorpus(provider: StoreProvider, corpus: Corpus): Promise<string> {
  const writer = await provider.create();
  for (const document of corpus.documents)
    await writer.putSource(document, corpus.chunks.get(document.id)!, corpus.vectors.get(document.id)!);
  return writer.commit(manifestFor(corpus.documents, corpus), { fitted: 'state' });
}

function request(vector: Float32Array, overrides: Partial<StoreSearchRequest> = {}): StoreSearchRequest {
  return {
    lexicalText: '',
    vector,
    mode: 'dense',
    candidates: 10,
    fusion: 'weighted',
    lexicalWeight: 0.7,
    denseWeight: 0.3,
    rrfK: 60,
    limit: 10,
    ...overrides,
  };
}

function bruteForce(corpus: Corpus, query: Float32Array, k: number): string[] {
  const scored: Array<{ id: string; score: number }> = [];
  for (const [sourceId, vectors] of corpus.vectors)
    for (const [ordinal, vector] of vectors.entries())
      scored.push({
        id: `${sourceId}:${ordinal}`,
        score: vector.reduce((sum, value, index) => sum + value * query[index]!, 0),
      });
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((hit) => hit.id);
}

/**
 * The contract every store keeps. `provider()` gives a provider over a fresh, empty location;
 * `reopen()` a second provider over the same location (another process, another server).
 */
export function runStoreContract(
  name: string,
  implementation: {
    provider: () => Promise<{
      provider: StoreProvider;
      reopen: () => StoreProvider;
      remove: () => Promise<void>;
    }>;
  },
): void {
  describe(`${name} (Store contract)`, () => {
    const corpus = makeCorpus();
    const queries = randomUnitVectors(60, DIMENSIONS, 99);
    let provider: StoreProvider;
    let reopen: () => StoreProvider;
    let remove: () => Promise<void>;

    beforeAll(async () => {
      ({ provider, reopen, remove } = await implementation.provider());
      expect(await provider.currentGeneration()).toBeUndefined();
      await writeCorpus(provider, corpus);
    }, 120_000);

    afterAll(async () => {
      await provider?.close();
      await remove?.();
    });

    it('records its id and the counts, and finds the true nearest neighbours (recall@10 ≥ 0.95 vs brute force)', async () => {
      const store = await provider.open();
      expect(store.storeId).toBe(provider.id);
      expect(store.manifest.store).toBe(provider.id);
      expect(store.manifest.counts).toEqual({ sources: SOURCES, chunks: SOURCES * CHUNKS_PER_SOURCE });
      expect(store.embedderState).toEqual({ fitted: 'state' });
      let found = 0;
      for (const query of queries) {
        const truth = new Set(bruteForce(corpus, query, 10));
        const hits = await store.search(request(query));
        expect(hits.length).toBe(10);
        found += hits.filter((hit) => truth.has(hit.chunk.id)).length;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
      const [best] = await store.search(request(corpus.vectors.get(corpus.documents[5]!.id)![2]!));
      expect(best!.chunk.id).toBe(`${corpus.documents[5]!.id}:2`);
      expect(best!.denseScore).toBeCloseTo(1, 3);
    });

    it('ranks keyword matches with BM25, fuses both lists, and counts document frequencies', async () => {
      const store = await provider.open();
      const rare = await store.search(request(queries[0]!, { mode: 'bm25', lexicalText: 'Zeppelin?' }));
      expect(rare.map((hit) => hit.chunk.id)).toEqual([`${corpus.documents[42]!.id}:3`]);
      expect(rare[0]!.lexicalScore).toBeGreaterThan(0);
      expect(rare[0]!.chunk.text).toBe(corpus.chunks.get(corpus.documents[42]!.id)![3]!.text);
      const hybrid = await store.search(
        request(queries[1]!, { mode: 'hybrid', lexicalText: 'zeppelin', candidates: 20, limit: 30 }),
      );
      expect(hybrid[0]!.chunk.id).toBe(`${corpus.documents[42]!.id}:3`);
      expect(hybrid.length).toBeGreaterThanOrEqual(20);
      expect(hybrid.length).toBeLessThanOrEqual(21);
      for (let rank = 1; rank < hybrid.length; rank++)
        expect(hybrid[rank]!.score).toBeLessThanOrEqual(hybrid[rank - 1]!.score);
      const frequencies = await store.documentFrequencies(['zeppelin', 'penguin', 'nowher']);
      expect(frequencies.get('zeppelin')).toBe(1);
      expect(frequencies.get('nowher')).toBe(0);
      const penguins = [...corpus.chunks.values()].flat().filter((chunk) => chunk.text.includes('penguin'));
      expect(frequencies.get('penguin')).toBe(penguins.length);
    });

    it('gets chunks by stable id and sources with their text, on demand', async () => {
      const store = await provider.open();
      const document = corpus.documents[7]!;
      const chunks = await store.getChunks([`${document.id}:1`, 'missing:0', `${document.id}:0`]);
      expect(chunks.map((chunk) => chunk.id)).toEqual([`${document.id}:1`, `${document.id}:0`]);
      expect(chunks[0]).toMatchObject(corpus.chunks.get(document.id)![1]!);
      expect(await store.getSource(document.id)).toEqual(document);
      expect(await store.getSource('0000000000000000')).toBeUndefined();
      const many = await store.getSources([document.id, corpus.documents[8]!.id, 'nope']);
      expect([...many.keys()].sort()).toEqual([document.id, corpus.documents[8]!.id].sort());
      const listed = await store.listSources();
      expect(listed).toHaveLength(SOURCES);
      expect(listed.find((source) => source.id === document.id)).toMatchObject({
        source: document.source,
        title: document.title,
        chunks: CHUNKS_PER_SOURCE,
        characters: document.text.length,
      });
    });

    it('gives identical results when reopened by another provider', async () => {
      const first = await provider.open();
      const other = reopen();
      try {
        const second = await other.open();
        expect(second.generation).toBe(first.generation);
        for (const query of queries.slice(0, 10)) {
          const wanted = request(query, { mode: 'hybrid', lexicalText: 'penguin harbour', limit: 20 });
          expect(await second.search(wanted)).toEqual(await first.search(wanted));
        }
      } finally {
        await other.close();
      }
    });

    it('answers many searches at once exactly as one at a time', async () => {
      const store = await provider.open();
      const wanted = queries
        .slice(0, 24)
        .map((query) => request(query, { mode: 'hybrid', lexicalText: 'glacier violin' }));
      const sequential = [];
      for (const search of wanted) sequential.push(await store.search(search));
      expect(await Promise.all(wanted.map((search) => store.search(search)))).toEqual(sequential);
    });

    it('updates incrementally: deleted sources vanish, changed ones are replaced, the rest keep ids and vectors; readers of the old generation are unaffected', async () => {
      const before = await provider.open();
      const probe = request(corpus.vectors.get(corpus.documents[3]!.id)![0]!);
      const beforeHits = await before.search(probe);
      const writer = await provider.create(before);
      const removed = corpus.documents[3]!;
      await writer.deleteSource(removed.id);
      const changed = { ...corpus.documents[4]!, text: 'A new penguin text.', hash: 'changed' };
      const changedChunk: ChunkDraft = {
        ...corpus.chunks.get(changed.id)![0]!,
        start: 2,
        end: 13,
        text: 'new penguin',
        sentences: [[0, 19]],
      };
      const changedVector = randomUnitVectors(1, DIMENSIONS, 1234)[0]!;
      await writer.putSource(changed, [changedChunk], [changedVector]);
      const documents = corpus.documents.filter((document) => document.id !== removed.id);
      const next: Corpus = {
        documents: documents.map((document) => (document.id === changed.id ? changed : document)),
        chunks: new Map([...corpus.chunks, [changed.id, [changedChunk]]]),
        vectors: new Map([...corpus.vectors, [changed.id, [changedVector]]]),
      };
      const generation = await writer.commit(manifestFor(next.documents, next), { fitted: 'state' });
      expect(await provider.currentGeneration()).toBe(generation);
      expect(generation).not.toBe(before.generation);

      // The snapshot opened before the switch still answers from its own generation.
      expect(await before.search(probe)).toEqual(beforeHits);

      const after = await provider.open();
      expect(after.generation).toBe(generation);
      expect(after.manifest.counts).toEqual({
        sources: SOURCES - 1,
        chunks: (SOURCES - 2) * CHUNKS_PER_SOURCE + 1,
      });
      expect(await after.getSource(removed.id)).toBeUndefined();
      expect(await after.getChunks([`${removed.id}:0`])).toEqual([]);
      const hits = await after.search(probe);
      expect(hits.some((hit) => hit.chunk.sourceId === removed.id)).toBe(false);
      expect(await after.getSource(changed.id)).toEqual(changed);
      const [best] = await after.search(request(changedVector));
      expect(best!.chunk).toMatchObject({ id: `${changed.id}:0`, text: 'new penguin' });
      // An unchanged source keeps its chunk ids and vectors: its own vector still finds it first.
      const keptId = corpus.documents[9]!.id;
      for (let ordinal = 0; ordinal < CHUNKS_PER_SOURCE; ordinal++) {
        const [found] = await after.search(request(corpus.vectors.get(keptId)![ordinal]!));
        expect(found!.chunk.id).toBe(`${keptId}:${ordinal}`);
        expect(found!.denseScore).toBeCloseTo(1, 3);
      }
      expect((await after.documentFrequencies(['penguin'])).get('penguin')).toBe(
        [...next.chunks.entries()]
          .filter(([sourceId]) => next.documents.some((document) => document.id === sourceId))
          .flatMap(([, chunks]) => chunks)
          .filter((chunk) => chunk.text.includes('penguin')).length,
      );
    });

    it('keeps the current generation when a write is aborted', async () => {
      const current = await provider.currentGeneration();
      const writer = await provider.create(await provider.open());
      await writer.deleteSource(corpus.documents[10]!.id);
      await writer.abort();
      expect(await provider.currentGeneration()).toBe(current);
      const store = await provider.open();
      expect(await store.getSource(corpus.documents[10]!.id)).toBeDefined();
    });
  });
}
