import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { currentGeneration, loadIndex, vectorOf } from '../../src/index/index.js';
import { ingestCorpus } from '../../src/ingest/index.js';

const embedder = chooseEmbedder({ embedder: 'glove' });

describe('ingestCorpus', () => {
  let corpus: string;
  let indexDirectory: string;

  beforeEach(async () => {
    corpus = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-corpus-'));
    indexDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-index-'));
    await fs.cp('corpus', corpus, { recursive: true });
  });

  afterEach(async () => {
    await fs.rm(corpus, { recursive: true, force: true });
    await fs.rm(indexDirectory, { recursive: true, force: true });
  });

  it('re-embeds only new and changed files, drops deleted ones, and says what it did', async () => {
    const first = await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    expect(first.added).toHaveLength(5);
    expect(first.embeddedChunks).toBe(first.chunks);
    const firstIndex = await loadIndex(indexDirectory);

    const again = await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    expect(again).toMatchObject({ written: false, embeddedChunks: 0 });
    expect(again.unchanged).toHaveLength(5);

    await fs.appendFile(
      path.join(corpus, '003_c0837fc8db15ef58.txt'),
      '\nThe envoys met again on Saturday in Geneva to discuss the zebra protocol.\n',
    );
    await fs.rm(path.join(corpus, '004_d26f5ab70bfd6cb2.txt'));
    await fs.writeFile(
      path.join(corpus, 'new.md'),
      '# Penguin report\n\nThe penguin colony in Antarctica grew by twelve percent this season.\n',
    );
    const update = await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    expect(update).toMatchObject({
      changed: ['003_c0837fc8db15ef58.txt'],
      removed: ['004_d26f5ab70bfd6cb2.txt'],
      added: ['new.md'],
      written: true,
    });
    expect(update.unchanged).toHaveLength(3);
    const changedChunks =
      update.chunks -
      firstIndex.chunks.filter((chunk) =>
        ['000_afbc1989c5fc68f0.txt', '001_377b34821ee142f4.txt', '002_c15813028621ca03.txt'].includes(
          chunk.source,
        ),
      ).length;
    expect(update.embeddedChunks).toBe(changedChunks);

    const index = await loadIndex(indexDirectory);
    expect(index.sources.map((source) => source.source).sort()).toEqual([
      '000_afbc1989c5fc68f0.txt',
      '001_377b34821ee142f4.txt',
      '002_c15813028621ca03.txt',
      '003_c0837fc8db15ef58.txt',
      'new.md',
    ]);
    // Chunk ids are stable: an unchanged file's chunks keep their ids, spans and vectors.
    const ordinals = new Map<string, number>();
    for (const chunk of index.chunks) {
      const ordinal = ordinals.get(chunk.sourceId) ?? 0;
      ordinals.set(chunk.sourceId, ordinal + 1);
      expect(chunk.id).toBe(`${chunk.sourceId}:${ordinal}`);
    }
    const keptRows = index.chunks.flatMap((chunk, row) =>
      chunk.source === '002_c15813028621ca03.txt' ? [row] : [],
    );
    expect(keptRows.length).toBeGreaterThan(0);
    for (const row of keptRows) {
      const kept = index.chunks[row]!;
      const beforeRow = firstIndex.chunks.findIndex((chunk) => chunk.id === kept.id);
      expect(firstIndex.chunks[beforeRow]).toEqual(kept);
      expect(Array.from(vectorOf(index, row))).toEqual(Array.from(vectorOf(firstIndex, beforeRow)));
    }

    const engine = await Engine.open({ indexDirectory, embedder });
    const penguins = await engine.ask({ question: 'By how much did the penguin colony grow?' });
    expect(penguins.citations[0]?.source).toBe('new.md');
    const zebra = await engine.ask({ question: 'What did the envoys discuss in Geneva on Saturday?' });
    expect(zebra.passages[0]?.source).toBe('003_c0837fc8db15ef58.txt');
    const removed = await engine.ask({ question: 'Who is the State Department spokeswoman Jen Psaki?' });
    expect(removed.passages.some((passage) => passage.source === '004_d26f5ab70bfd6cb2.txt')).toBe(false);
  });

  it('rebuilds from scratch on --rebuild or when the embedder or chunking changes', async () => {
    await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    const rebuilt = await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder, rebuild: true });
    expect(rebuilt).toMatchObject({ written: true, rebuildReason: 'requested with --rebuild' });
    expect(rebuilt.embeddedChunks).toBe(rebuilt.chunks);
    const rechunked = await ingestCorpus({
      corpusDirectory: corpus,
      indexDirectory,
      embedder,
      chunking: { targetChars: 300 },
    });
    expect(rechunked.rebuildReason).toBe('chunking settings changed');
    expect(rechunked.chunks).toBeGreaterThan(rebuilt.chunks);
    const plainSif = chooseEmbedder({ embedder: 'glove', removeCommonComponent: false });
    const reembedded = await ingestCorpus({
      corpusDirectory: corpus,
      indexDirectory,
      embedder: plainSif,
      chunking: { targetChars: 300 },
    });
    expect(reembedded.rebuildReason).toBe('embedder settings changed to {"removeCommonComponent":false}');
    expect(reembedded.embeddedChunks).toBe(reembedded.chunks);
  });

  it('switches generations atomically and keeps only the previous one', async () => {
    await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    const first = currentGeneration(indexDirectory);
    await fs.writeFile(path.join(corpus, 'extra.txt'), 'An extra article about trade talks in Vienna.');
    await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    const second = currentGeneration(indexDirectory);
    await fs.writeFile(path.join(corpus, 'extra2.txt'), 'Another article about fishing quotas in Norway.');
    await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder });
    const third = currentGeneration(indexDirectory);
    expect(new Set([first, second, third]).size).toBe(3);
    const generations = (await fs.readdir(indexDirectory)).filter((name) => name.startsWith('gen-')).sort();
    expect(generations).toEqual([second, third].sort());
  });

  it('fails clearly on a folder with no readable documents', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-empty-'));
    await expect(ingestCorpus({ corpusDirectory: empty, indexDirectory, embedder })).rejects.toMatchObject({
      code: 'corpus_missing',
    });
    await fs.rm(empty, { recursive: true });
  });
});
