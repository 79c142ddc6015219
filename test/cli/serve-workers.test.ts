import { cp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANSWERED, CORPUS, footnote, killChildren, startServe, waitFor } from '../hardening/helpers.js';
import { call, type Reply } from '../support/call.js';
import { buildTestIndex, temporaryDirectory } from '../support/test-index.js';

/**
 * `footnote serve --workers N`: real processes (a node:cluster primary and its workers) on one
 * port. Every request goes on a new TCP connection, so the primary's round-robin hands them to
 * the workers in turn; each response names its worker in `X-Footnote-Worker`.
 */

const ask = (url: string, question = ANSWERED.question) => call(url, '/api/ask', { question });
const generationOf = (reply: Reply) => (reply.body.store as { generation: string }).generation;

/** Process ids of the workers, from the primary's `worker N (pid P) is serving` lines. */
function workerPids(log: string): Map<string, number> {
  return new Map(
    [...log.matchAll(/worker (\d+) \(pid (\d+)\) is serving/g)].map((m) => [m[1]!, Number(m[2])]),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('footnote serve --workers', () => {
  let corpus: string;
  let index: Awaited<ReturnType<typeof buildTestIndex>>;

  beforeAll(async () => {
    corpus = await temporaryDirectory('footnote-workers-corpus-');
    await cp(CORPUS, corpus, { recursive: true });
    index = await buildTestIndex(corpus);
  }, 120_000);
  afterEach(() => killChildren());
  afterAll(async () => {
    await index?.remove();
    if (corpus) await rm(corpus, { recursive: true, force: true });
  });

  const serveArgs = () => ['--no-ingest', '--corpus', corpus, '--index-dir', index.indexDirectory];

  it('refuses a bad worker count with one line and exit 1', async () => {
    const flag = await footnote(['serve', '--workers', '0']).exit;
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/expected a whole number of workers from 1 to 256, got "0"/);
    const variable = await footnote(['serve'], () => {}, { FOOTNOTE_WORKERS: 'two' }).exit;
    expect(variable.code).toBe(1);
    expect(variable.stderr.trim()).toBe(
      'footnote: FOOTNOTE_WORKERS must be a whole number of workers from 1 to 256 (got "two")',
    );
  });

  it('without --workers runs one worker per core, capped by memory, and says what it chose and why', async () => {
    const server = await startServe(serveArgs(), { FOOTNOTE_WORKERS: '' });
    server.child.kill('SIGTERM');
    const { code } = await server.exit;
    expect(code).toBe(0);
    if (os.availableParallelism() === 1) expect(server.stderr()).not.toMatch(/workers on one port/);
    else
      expect(server.stderr()).toMatch(
        /\n(\d+) workers on one port: (one per core \(\d+\);|fewer than the \d+ cores because) the first worker holds \d+ MB with the index loaded and [\d.]+ [MG]B of memory is free, room for \d+ more; set --workers to choose\n/,
      );
  }, 60_000);

  it('two workers answer, and a client hits the rate limit at the same count as with one worker', async () => {
    const limit = 6;
    const countUntilLimited = async (workers: number) => {
      const server = await startServe([...serveArgs(), '--workers', String(workers)], {
        FOOTNOTE_RATE_LIMIT: String(limit),
      });
      const replies: Reply[] = [];
      for (let index = 0; index < limit + 4; index += 1) replies.push(await ask(server.url));
      server.child.kill('SIGTERM');
      expect((await server.exit).code).toBe(0);
      return { replies, log: server.stderr() };
    };

    const one = await countUntilLimited(1);
    // One worker is today's single process: no cluster, no worker header.
    expect(one.log).not.toMatch(/workers on one port/);
    expect(one.replies.every((reply) => reply.worker === undefined)).toBe(true);
    const two = await countUntilLimited(2);
    expect(two.log).toMatch(/2 workers on one port: as asked/);

    for (const { replies } of [one, two]) {
      expect(replies.slice(0, limit).map((reply) => reply.status)).toEqual(Array(limit).fill(200));
      expect(replies.slice(limit).map((reply) => reply.status)).toEqual(Array(4).fill(429));
    }
    // Both workers answered questions, with citations, and both counted toward the one limit.
    const answered = two.replies.slice(0, limit);
    expect(new Set(answered.map((reply) => reply.worker))).toEqual(new Set(['1', '2']));
    for (const reply of answered) expect(String(reply.body.answer)).toContain(ANSWERED.answerContains);
    expect(new Set(two.replies.slice(limit).map((reply) => reply.worker))).toEqual(new Set(['1', '2']));
  }, 120_000);

  it('an ingest through one worker is served by the other within seconds, no request failing meanwhile; a killed worker is replaced; SIGTERM drains and exits 0', async () => {
    const server = await startServe([...serveArgs(), '--workers', '2'], { FOOTNOTE_RATE_LIMIT: '0' });
    const { url } = server;
    const before = generationOf(await call(url, '/api/health'));

    // Questions keep coming on both workers while the corpus is re-ingested and swapped.
    let asking = true;
    const during: Reply[] = [];
    const asker = async () => {
      while (asking || during.length < 10) during.push(await ask(url));
    };
    const load = Promise.all([asker(), asker()]);

    await writeFile(
      path.join(corpus, 'zeppelin.md'),
      '# Airship news\n\nThe airship Graf Zeppelin was christened by Hugo Eckener in Friedrichshafen in 1928.\n',
    );
    const ingest = await call(url, '/api/ingest', {});
    expect(ingest.status).toBe(200);
    expect(ingest.body.added).toEqual(['zeppelin.md']);
    const ingestedAt = Date.now();
    const seen = new Map<string, string>();
    while (
      !(seen.get('1') && seen.get('1') !== before && seen.get('2') && seen.get('2') !== before) &&
      Date.now() - ingestedAt < 10_000
    ) {
      const health = await call(url, '/api/health');
      seen.set(health.worker!, generationOf(health));
    }
    const swapMs = Date.now() - ingestedAt;
    asking = false;
    await load;
    expect(seen.get('1')).not.toBe(before);
    expect(seen.get('1')).toBe(seen.get('2'));
    expect(swapMs).toBeLessThan(5000);
    expect(new Set(during.map((reply) => reply.worker))).toEqual(new Set(['1', '2']));
    expect(during.filter((reply) => reply.status !== 200)).toEqual([]);
    const answeredBy = new Set<string>();
    for (let index = 0; index < 4; index += 1) {
      const reply = await ask(url, 'Who christened the Graf Zeppelin airship?');
      expect(reply.status).toBe(200);
      expect((reply.body.citations as Array<{ source: string }>)[0]!.source).toBe('zeppelin.md');
      answeredBy.add(reply.worker!);
    }
    expect(answeredBy).toEqual(new Set(['1', '2']));

    // A worker that dies is logged and replaced; the new one serves the current generation.
    const crashed = workerPids(server.stderr()).get('2')!;
    process.kill(crashed, 'SIGKILL');
    await waitFor(() => /worker 3 \(pid \d+\) is serving/.test(server.stderr()), 60_000);
    expect(server.stderr()).toContain(`worker 2 (pid ${crashed}) was killed by SIGKILL; starting a new one`);
    const workers = new Map<string, string>();
    for (let index = 0; index < 4; index += 1) {
      const health = await call(url, '/api/health');
      workers.set(health.worker!, generationOf(health));
    }
    expect([...workers.keys()].sort()).toEqual(['1', '3']);
    expect(workers.get('3')).toBe(seen.get('1'));

    // SIGTERM to the primary: a request in flight on a worker still gets its answer, every worker stops, exit 0.
    const pids = [...workerPids(server.stderr()).values()].filter(isRunning);
    expect(pids).toHaveLength(2);
    const { hostname, port } = new URL(url);
    const body = JSON.stringify({ question: ANSWERED.question });
    const inFlight = new Promise<number>((resolve, reject) => {
      const request = http.request(
        {
          host: hostname,
          port,
          path: '/api/ask',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(10)), 500);
      }, 200);
    });
    expect(await inFlight).toBe(200);
    const exit = await server.exit;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('SIGTERM: the workers finish their in-flight requests, then stop');
    expect(pids.filter(isRunning)).toEqual([]);
  }, 180_000);
});
