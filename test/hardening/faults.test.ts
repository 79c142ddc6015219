import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { FootnoteError } from '../../src/errors.js';
import { currentGeneration, loadIndex } from '../../src/index/index.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { buildTestIndex, gloveEmbedder, temporaryDirectory } from '../support/test-index.js';
import {
  ANSWERED,
  bbcSample,
  CORPUS,
  expectError,
  flipByte,
  footnote,
  killChildren,
  REPO_ROOT,
  startServe,
  truncate,
  waitFor,
} from './helpers.js';

/**
 * Faults, with the real CLI in real processes where a process is what fails: an ingest killed at
 * any point, a damaged index, two ingests at once, a re-ingest under a running server, SIGTERM.
 */

afterEach(killChildren);

let bigCorpus: string;

beforeAll(async () => {
  await fs.access(path.join(REPO_ROOT, 'dist', 'cli', 'main.js')).catch(() => {
    throw new Error('run `npm run build` first (`npm test` does)');
  });
  bigCorpus = await bbcSample(200);
});

describe('ingest killed with SIGKILL', () => {
  it.each([
    ['while reading files', /^reading /],
    ['while embedding', /^embedding /],
    ['right after the indexes are built', /^indexing (\d+)\/\1$/],
  ])(
    '%s leaves the previous index loadable, and the next ingest completes',
    async (_when, phase) => {
      const { indexDirectory } = await buildTestIndex(CORPUS);
      const before = currentGeneration(indexDirectory);
      let killedAt = '';
      const run = footnote(['ingest', bigCorpus, '--index-dir', indexDirectory], (line, child) => {
        if (!killedAt && phase.test(line)) {
          killedAt = line;
          child.kill('SIGKILL');
        }
      });
      const killed = await run.exit;
      expect(killed.signal, `ingest ended before the kill point:\n${killed.stderr}`).toBe('SIGKILL');
      expect(killedAt).toMatch(phase);

      // The index on disk is still the previous one, complete and answering.
      expect(currentGeneration(indexDirectory)).toBe(before);
      const index = await loadIndex(indexDirectory);
      expect(index.sources).toHaveLength(5);
      const engine = await Engine.open({ indexDirectory, embedder: gloveEmbedder() });
      expect((await engine.ask({ question: ANSWERED.question })).answer).toContain(ANSWERED.answerContains);

      // The killed process left its lock behind; the next ingest must not be stuck behind it.
      const next = await footnote(['ingest', bigCorpus, '--index-dir', indexDirectory]).exit;
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/200 added/);
      const after = await loadIndex(indexDirectory);
      expect(after.sources).toHaveLength(200);
      // Half-written generations of the killed run are cleaned up: only the new and the previous remain.
      const generations = (await fs.readdir(indexDirectory)).filter((name) => name.startsWith('gen-'));
      expect(generations.sort()).toEqual([before!, currentGeneration(indexDirectory)!].sort());
    },
    60_000,
  );
});

describe('a damaged index', () => {
  /** Ways an index file gets damaged: cut short, a flipped byte, emptied, removed, manifest garbled. */
  const damages: Array<[string, (generation: string) => Promise<void>, RegExp]> = [
    [
      'chunks.json truncated',
      (generation) => truncate(path.join(generation, 'chunks.json')),
      /chunks\.json does not match its checksum/,
    ],
    [
      'one byte of vectors.f32 flipped',
      (generation) => flipByte(path.join(generation, 'vectors.f32')),
      /vectors\.f32 does not match its checksum/,
    ],
    [
      'sources.json emptied',
      (generation) => fs.writeFile(path.join(generation, 'sources.json'), ''),
      /sources\.json does not match its checksum/,
    ],
    [
      'one byte of texts.txt flipped',
      (generation) => flipByte(path.join(generation, 'texts.txt')),
      /texts\.txt does not match its checksum/,
    ],
    [
      'lexical.bin truncated',
      (generation) => truncate(path.join(generation, 'lexical.bin')),
      /lexical\.bin does not match its checksum/,
    ],
    [
      'the HNSW file removed',
      async (generation) =>
        fs.rm(path.join(generation, (await fs.readdir(generation)).find((name) => /hnsw/i.test(name))!)),
      /is missing/,
    ],
    [
      'manifest.json garbled',
      (generation) => fs.writeFile(path.join(generation, 'manifest.json'), '{"formatVersion": 1, "checks'),
      /manifest\.json does not match its checksum/,
    ],
  ];

  it.each(damages)(
    '%s is detected at load with a message that says to re-ingest',
    async (_name, damage, why) => {
      const { indexDirectory } = await buildTestIndex(CORPUS);
      await damage(path.join(indexDirectory, currentGeneration(indexDirectory)!));
      const error = await loadIndex(indexDirectory).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(FootnoteError);
      expect((error as FootnoteError).code).toBe('index_corrupt');
      expect((error as FootnoteError).message).toMatch(why);
      expect((error as FootnoteError).message).toContain('run `footnote ingest --rebuild`');
    },
  );

  it('the real server does not serve it: health is 503 and questions get index_corrupt, without paths', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    await truncate(path.join(indexDirectory, currentGeneration(indexDirectory)!, 'chunks.json'));
    const server = await startServe(['--no-ingest', '--index-dir', indexDirectory]);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(503);
    const status = (await health.json()) as { status: string; message: string };
    expect(status.status).toBe('no_index');
    expect(status.message).toContain('footnote ingest --rebuild');
    expect(status.message).not.toContain(indexDirectory);
    const ask = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: ANSWERED.question }),
    });
    const error = await expectError(ask, 503, 'index_corrupt');
    expect(error.message).toContain('footnote ingest --rebuild');
    expect(error.message).not.toContain(indexDirectory);
    await expectError(await fetch(`${server.url}/api/sources`), 503, 'index_corrupt');
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 30_000);
});

describe('two ingests at once', () => {
  it('the second is refused with index_locked while the first runs, and the first completes', async () => {
    const indexDirectory = await temporaryDirectory('footnote-index-');
    const embedder = gloveEmbedder();
    let signalStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (signalStarted = resolve));
    const first = ingestCorpus({
      corpusDirectory: bigCorpus,
      indexDirectory,
      embedder,
      onProgress: () => signalStarted(),
    });
    await started;
    const second = await ingestCorpus({ corpusDirectory: CORPUS, indexDirectory, embedder }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(second).toBeInstanceOf(FootnoteError);
    expect((second as FootnoteError).code).toBe('index_locked');
    expect((second as FootnoteError).message).toMatch(
      /another ingest is writing .*; wait for it to finish and try again/,
    );
    const report = await first;
    expect(report.sources).toBe(200);
    expect((await loadIndex(indexDirectory)).sources).toHaveLength(200);
    // With the first one done, the lock is free again.
    const third = await ingestCorpus({ corpusDirectory: CORPUS, indexDirectory, embedder });
    expect(third.sources).toBe(5);
  }, 60_000);

  it('two CLI processes: exactly one succeeds and the other says the index is locked', async () => {
    const indexDirectory = await temporaryDirectory('footnote-index-');
    const [one, two] = await Promise.all([
      footnote(['ingest', bigCorpus, '--index-dir', indexDirectory]).exit,
      footnote(['ingest', bigCorpus, '--index-dir', indexDirectory]).exit,
    ]);
    const codes = [one.code, two.code].sort();
    expect(codes).toEqual([0, 1]);
    const refused = one.code === 1 ? one : two;
    expect(refused.stderr).toMatch(
      /footnote: another ingest is writing .*; wait for it to finish and try again/,
    );
    expect(refused.stderr).not.toMatch(/\bat \S+ \(/);
    expect((await loadIndex(indexDirectory)).sources).toHaveLength(200);
  }, 60_000);
});

describe('re-ingest under a running server', () => {
  it('is picked up without a restart, and no request in flight fails', async () => {
    const corpus = await temporaryDirectory('footnote-corpus-');
    for (const name of await fs.readdir(CORPUS))
      await fs.copyFile(path.join(CORPUS, name), path.join(corpus, name));
    const { indexDirectory } = await buildTestIndex(corpus);
    const server = await startServe(['--no-ingest', '--index-dir', indexDirectory], {
      FOOTNOTE_RATE_LIMIT: '0',
    });
    const ask = async (question: string) => {
      const response = await fetch(`${server.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
      });
      return {
        status: response.status,
        body: (await response.json()) as {
          grounded: boolean;
          answer: string;
          citations: Array<{ source: string }>;
        },
      };
    };
    const question = 'Who founded the Zorblax lantern festival?';
    expect((await ask(question)).body.grounded).toBe(false);

    // Clients keep asking while another process grows the corpus and re-ingests it.
    const failures: string[] = [];
    let answered = 0;
    let running = true;
    const client = async () => {
      while (running) {
        const { status, body } = await ask(ANSWERED.question).catch((error: Error) => ({
          status: 0,
          body: { answer: error.message } as { answer: string },
        }));
        if (status !== 200 || !body.answer.includes(ANSWERED.answerContains))
          failures.push(`${status} ${body.answer}`);
        answered += 1;
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await fs.writeFile(
      path.join(corpus, 'zorblax.txt'),
      'Zorblax lantern festival\n\nThe Zorblax lantern festival was founded by Marguerite Okonjo in 1987 in the river town of Pellwick.\n',
    );
    for (const name of (await fs.readdir(bigCorpus, { recursive: true }))
      .filter((name) => name.endsWith('.txt'))
      .slice(0, 100)) {
      await fs.copyFile(path.join(bigCorpus, name), path.join(corpus, name.replace(/[/\\]/g, '-')));
    }
    const ingest = await footnote(['ingest', corpus, '--index-dir', indexDirectory]).exit;
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stderr).toMatch(/101 added/);

    const deadline = Date.now() + 10_000;
    let picked = false;
    while (!picked && Date.now() < deadline) {
      const { body } = await ask(question);
      picked =
        body.grounded &&
        body.answer.includes('Marguerite Okonjo') &&
        body.citations.some((citation) => citation.source === 'zorblax.txt');
      if (!picked) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const answeredAtSwap = answered;
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(clients);
    expect(picked).toBe(true);
    expect(answeredAtSwap).toBeGreaterThan(20);
    expect(failures).toEqual([]);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      corpus: { sources: number };
    };
    expect(health.corpus.sources).toBe(106);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 60_000);
});

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, and exits 0', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    const server = await startServe(['--no-ingest', '--index-dir', indexDirectory]);
    const { port } = new URL(server.url);

    // A request in flight: headers sent, the body still coming.
    const body = JSON.stringify({ question: ANSWERED.question });
    let settle: (result: { status: number; text: string }) => void = () => {};
    let fail: (error: Error) => void = () => {};
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/ask',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.on('data', (data: Buffer) => (text += data.toString()));
        response.on('end', () => settle({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', fail);
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await waitFor(() => server.stderr().includes('SIGTERM: finishing in-flight requests'));

    // New connections are refused from now on.
    const refused = await fetch(`${server.url}/api/health`).then(
      () => 'accepted',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe('ECONNREFUSED');

    // The request that was in flight still gets its full answer.
    request.end(body.slice(10));
    const answer = await inFlight;
    const answeredAt = performance.now();
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as { answer: string }).answer).toContain(ANSWERED.answerContains);
    // It exits as soon as that request is done, not after the 10 s grace period.
    const exit = await server.exit;
    expect(performance.now() - answeredAt).toBeLessThan(3000);
    expect(exit.code).toBe(0);
    expect(exit.signal).toBeNull();
  }, 30_000);
});
