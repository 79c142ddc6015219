import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { createApp } from '../../src/server/index.js';
import type { PostgresStoreProvider } from '../../src/store/index.js';
import { expectExactCitations } from '../support/citations.js';
import { describePostgres, freshPostgresStore } from '../support/postgres.js';
import { buildTestIndex } from '../support/test-index.js';

const embedder = chooseEmbedder({ embedder: 'glove' });
const QUESTION = 'Which Hamas leader was killed by the Israeli military?';

describePostgres('Footnote on the Postgres store', () => {
  let corpus: string;
  let store: ReturnType<typeof freshPostgresStore>;
  let engine: Engine;
  const opened: PostgresStoreProvider[] = [];

  beforeAll(async () => {
    corpus = await mkdtemp(path.join(os.tmpdir(), 'footnote-pg-corpus-'));
    await cp('corpus', corpus, { recursive: true });
    store = freshPostgresStore();
    await ingestCorpus({ corpusDirectory: corpus, store: store.provider, embedder });
    engine = await Engine.open({ store: store.provider, embedder });
  }, 180_000);

  afterAll(async () => {
    for (const provider of opened) await provider.close();
    await store?.provider.close();
    await store?.remove();
    await rm(corpus, { recursive: true, force: true });
  });

  it('answers through the API with exact citations, the same top source as the file store, and says which store it uses', async () => {
    const app = createApp({ holder: { engine }, log: () => {}, access: { rateLimit: 0 } });
    const response = await app.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: QUESTION }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Awaited<ReturnType<Engine['ask']>>;
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain('Ahmed Jabari');
    await expectExactCitations(engine, answer.citations);
    expect(answer.passages[0]!.chunkId).toMatch(/^[0-9a-f]{16}:\d+$/);

    const file = await buildTestIndex();
    try {
      const fileAnswer = await (await file.open()).ask({ question: QUESTION });
      expect(answer.passages[0]!.source).toBe(fileAnswer.passages[0]!.source);
      expect(answer.citations.map((citation) => citation.quote)).toEqual(
        fileAnswer.citations.map((citation) => citation.quote),
      );
    } finally {
      await file.remove();
    }

    const health = (await (await app.request('/api/health')).json()) as {
      store: { id: string };
      corpus: { sources: number };
    };
    expect(health.store.id).toBe('postgres');
    expect(health.corpus.sources).toBe(5);
    const listed = (await (await app.request('/api/sources')).json()) as { sources: Array<{ id: string }> };
    expect(listed.sources).toHaveLength(5);
    const one = await app.request(`/api/sources/${answer.citations[0]!.sourceId}`);
    expect(((await one.json()) as { text: string }).text.length).toBeGreaterThan(100);
  });

  it('a second server on the same database answers from a new generation within seconds of an ingest through the first, which re-embeds only what changed', async () => {
    const other = store.reopen();
    opened.push(other);
    const second = await Engine.open({ store: other, embedder });
    const reloads: string[] = [];
    const stop = second.watch(200);
    const before = second.generation;
    try {
      await writeFile(
        path.join(corpus, 'zeppelin.md'),
        '# Airship news\n\nThe airship Graf Zeppelin was christened by Hugo Eckener in Friedrichshafen in 1928.\n',
      );
      const report = await ingestCorpus({ corpusDirectory: corpus, store: store.provider, embedder });
      expect(report.added).toEqual(['zeppelin.md']);
      expect(report.unchanged).toHaveLength(5);
      expect(report.embeddedChunks).toBe(1);
      const deadline = Date.now() + 10_000;
      while (second.generation === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        reloads.push(second.generation);
      }
      expect(second.generation).not.toBe(before);
      const answer = await second.ask({ question: 'Who christened the Graf Zeppelin airship?' });
      expect(answer.grounded).toBe(true);
      expect(answer.citations[0]!.source).toBe('zeppelin.md');
      await expectExactCitations(second, answer.citations);
      // The first engine still answers from the generation it loaded until it reloads too.
      expect((await engine.ask({ question: QUESTION })).grounded).toBe(true);
    } finally {
      stop();
    }
  });

  it('refuses a second ingest while one holds the lock', async () => {
    let release!: () => void;
    const held = store.provider.withIngestLock(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const other = store.reopen();
    opened.push(other);
    await expect(ingestCorpus({ corpusDirectory: corpus, store: other, embedder })).rejects.toMatchObject({
      code: 'index_locked',
    });
    release();
    await held;
  });
});
