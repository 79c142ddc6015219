import type { ChildProcess } from 'node:child_process';
import { cp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ANSWERED, CORPUS, killChildren, startServe } from '../hardening/helpers.js';
import { call, type Reply } from '../support/call.js';
import { describePostgres, freePort, startDatabase, stopDatabase } from '../support/postgres.js';
import { temporaryDirectory } from '../support/test-index.js';

/**
 * Two `footnote serve` processes on one Postgres database (a PGlite server of the test's own, so
 * the default `footnote` schema is this test's alone): an ingest through one is answered by the
 * other within seconds, while questions to the other keep being answered.
 */
describePostgres('two footnote servers on one database', () => {
  let corpus: string;
  let database: ChildProcess;
  let url: string;

  beforeAll(async () => {
    corpus = await temporaryDirectory('footnote-shared-db-corpus-');
    await cp(CORPUS, corpus, { recursive: true });
    const port = await freePort();
    database = await startDatabase(undefined, port);
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }, 120_000);
  afterEach(() => killChildren());
  afterAll(async () => {
    if (database) await stopDatabase(database);
    if (corpus) await rm(corpus, { recursive: true, force: true });
  });

  it('an ingest through one server is served by the other within a few seconds, no request failing meanwhile', async () => {
    const environment = { FOOTNOTE_RATE_LIMIT: '0' };
    // The first ingests the corpus into the database at start; the second only serves it.
    const first = await startServe(['--store', url, '--corpus', corpus, '--workers', '1'], environment);
    const second = await startServe(
      ['--store', url, '--corpus', corpus, '--no-ingest', '--workers', '1'],
      environment,
    );
    const generationOf = (reply: Reply) => reply.body.store as { id: string; generation: string };
    const before = generationOf(await call(second.url, '/api/health'));
    expect(before.id).toBe('postgres');
    expect(generationOf(await call(first.url, '/api/health')).generation).toBe(before.generation);

    let asking = true;
    const during: Reply[] = [];
    const load = (async () => {
      while (asking || during.length < 5)
        during.push(await call(second.url, '/api/ask', { question: ANSWERED.question }));
    })();
    await writeFile(
      path.join(corpus, 'zeppelin.md'),
      '# Airship news\n\nThe airship Graf Zeppelin was christened by Hugo Eckener in Friedrichshafen in 1928.\n',
    );
    const ingest = await call(first.url, '/api/ingest', {});
    expect(ingest.status).toBe(200);
    expect(ingest.body.added).toEqual(['zeppelin.md']);
    const ingestedAt = Date.now();
    let now = before.generation;
    while (now === before.generation && Date.now() - ingestedAt < 10_000)
      now = generationOf(await call(second.url, '/api/health')).generation;
    const swapMs = Date.now() - ingestedAt;
    asking = false;
    await load;
    expect(now).not.toBe(before.generation);
    expect(now).toBe(generationOf(await call(first.url, '/api/health')).generation);
    expect(swapMs).toBeLessThan(5000);
    // On a failure, the serving process's log says why.
    expect(
      during.filter((reply) => reply.status !== 200),
      second.stderr(),
    ).toEqual([]);
    const answer = await call(second.url, '/api/ask', {
      question: 'Who christened the Graf Zeppelin airship?',
    });
    expect(answer.status).toBe(200);
    expect((answer.body.citations as Array<{ source: string }>)[0]!.source).toBe('zeppelin.md');
  }, 240_000);
});
