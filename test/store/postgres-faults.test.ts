import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { createApp } from '../../src/server/index.js';
import { PostgresStoreProvider } from '../../src/store/index.js';
import { describePostgres, freePort, startDatabase, stopDatabase } from '../support/postgres.js';

const embedder = chooseEmbedder({ embedder: 'glove' });
describePostgres('the Postgres store when the database goes away', () => {
  let directory: string;
  let corpus: string;
  let port: number;
  let database: ChildProcess;
  let provider: PostgresStoreProvider;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'footnote-pgdata-'));
    corpus = await mkdtemp(path.join(os.tmpdir(), 'footnote-pg-corpus-'));
    await cp('corpus', corpus, { recursive: true });
    port = await freePort();
    database = await startDatabase(path.join(directory, 'db'), port);
    provider = new PostgresStoreProvider({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      attempts: 2,
    });
  }, 120_000);

  afterAll(async () => {
    await provider?.close();
    if (database) await stopDatabase(database);
    await rm(directory, { recursive: true, force: true });
    await rm(corpus, { recursive: true, force: true });
  });

  it('answers 503 while the database is down, recovers when it is back, and an ingest killed midway leaves the previous generation serving and the next one completes', async () => {
    await ingestCorpus({ corpusDirectory: corpus, store: provider, embedder });
    const engine = await Engine.open({ store: provider, embedder });
    const served = engine.generation;
    const app = createApp({ holder: { engine }, log: () => {}, access: { rateLimit: 0 } });
    const ask = () =>
      app.request('/api/ask', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'Which Hamas leader was killed by the Israeli military?' }),
      });
    expect((await ask()).status).toBe(200);

    // The database dies in the middle of an ingest (while the new generation is being written).
    await writeFile(
      path.join(corpus, 'extra.md'),
      '# Extra\n\nThe extra file names Zubenelgenubi as a star.\n',
    );
    let killed: Promise<void> | undefined;
    const ingest = ingestCorpus({
      corpusDirectory: corpus,
      store: provider,
      embedder,
      onProgress: (phase) => {
        if (phase === 'write' && !killed) killed = stopDatabase(database);
      },
    });
    await expect(ingest).rejects.toMatchObject({ code: 'store_unavailable' });
    await killed;

    const down = await ask();
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('store_unavailable');
    expect(body.error.message).toMatch(/cannot be reached/);
    expect(body.error.message).not.toMatch(/password/);

    database = await startDatabase(path.join(directory, 'db'), port);
    const back = await ask();
    expect(back.status).toBe(200);
    expect(engine.generation).toBe(served);
    expect(await provider.currentGeneration()).toBe(served);

    const report = await ingestCorpus({ corpusDirectory: corpus, store: provider, embedder });
    expect(report.written).toBe(true);
    expect(report.added).toEqual(['extra.md']);
    expect(await engine.reload()).toBe(true);
    const answer = await engine.ask({ question: 'Which star does the extra file name?' });
    expect(answer.citations[0]?.source).toBe('extra.md');
  }, 300_000);

  it('stops start-up naming a missing extension and how to install it', async () => {
    const bare = await freePort();
    const child = await startDatabase(undefined, bare, '');
    try {
      const without = new PostgresStoreProvider({ url: `postgres://postgres@127.0.0.1:${bare}/postgres` });
      try {
        await expect(without.open()).rejects.toMatchObject({
          code: 'store_unavailable',
          message: expect.stringMatching(/lacks the vector extension.*install pgvector/),
        });
      } finally {
        await without.close();
      }
    } finally {
      await stopDatabase(child);
    }
  }, 120_000);
});
