import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Load on loopback against the real server (`footnote serve`) over the BBC index: 50 connections
 * for 30 s on /api/ask, three times, with the server's memory measured after each run; then 20
 * concurrent /api/chat streams. Memory is read after a forced garbage collection (see
 * memory-probe.mjs). The numbers are printed and written to
 * `$TMPDIR/footnote-load-results.json` (BENCHMARKS.md, "Load", records them).
 */

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(REPO_ROOT, 'bin', 'footnote.js');
const BBC_ARTICLES =
  process.env.FOOTNOTE_LOAD_CORPUS ?? path.resolve(REPO_ROOT, '..', 'shared', 'datasets', 'bbc', 'articles');
/** Kept between runs, so a second `npm run test:load` finds the index up to date. */
const INDEX_DIRECTORY = path.join(os.tmpdir(), 'footnote-load-bbc-index');
const RESULTS_FILE = path.join(os.tmpdir(), 'footnote-load-results.json');
const CONNECTIONS = 50;
const DURATION_SECONDS = Number(process.env.FOOTNOTE_LOAD_SECONDS ?? 30);
const RUNS = 3;
const STREAMS = 20;

const environment = {
  ...process.env,
  FOOTNOTE_EMBEDDER: 'glove',
  FOOTNOTE_RATE_LIMIT: '0',
  FOOTNOTE_API_KEY: '',
};
let server: ChildProcess;
let url: string;
let questions: string[];
let serverLog = '';
const results: Record<string, unknown> = {
  connections: CONNECTIONS,
  durationSeconds: DURATION_SECONDS,
  cpus: os.cpus().length,
  node: process.version,
};

beforeAll(async () => {
  const ingest = await run(['ingest', BBC_ARTICLES, '--index-dir', INDEX_DIRECTORY]);
  if (ingest.code !== 0) throw new Error(`ingest failed:\n${ingest.stderr}`);
  questions = await headlineQuestions(50);
  const probe = path.join(import.meta.dirname, 'memory-probe.mjs');
  server = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      probe,
      BIN,
      'serve',
      '--no-ingest',
      '--port',
      '0',
      '--index-dir',
      INDEX_DIRECTORY,
      // One process: the memory probe and its SIGUSR2 are about that process's heap.
      '--workers',
      '1',
    ],
    {
      cwd: REPO_ROOT,
      env: environment,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    server.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      serverLog += data.toString();
      const match = /serving (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!.replace('localhost', '127.0.0.1'));
    });
    server.on('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
  });
  // Warm up (JIT, caches) before measuring anything.
  for (const question of questions) await ask(question);
});

afterAll(async () => {
  server?.kill('SIGTERM');
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nload results (${RESULTS_FILE}):\n${JSON.stringify(results, null, 2)}\n`);
});

describe(`/api/ask under ${CONNECTIONS} connections`, () => {
  it(`${RUNS} runs of ${DURATION_SECONDS} s: no errors, and memory after the third within 10% of after the first`, async () => {
    const runs: Array<Record<string, number>> = [];
    results.loadAverageBefore = os.loadavg().map(round);
    for (let index = 0; index < RUNS; index += 1) {
      // autocannon's own 10 s timeout counts as an error: no request may wait that long.
      const result = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: DURATION_SECONDS,
        requests: questions.map((question) => ({
          method: 'POST',
          path: '/api/ask',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question }),
        })),
      });
      const memory = await serverMemory();
      const summary = {
        requests: result.requests.total,
        requestsPerSecond: round(result.requests.average),
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        latencyMaxMs: result.latency.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        serverHeapUsedMb: round(memory.heapUsed / 1024 / 1024),
        serverRssMb: round(memory.rss / 1024 / 1024),
      };
      runs.push(summary);
      process.stdout.write(`run ${index + 1}: ${JSON.stringify(summary)}\n`);
      expect(result.errors).toBe(0);
      expect(result.timeouts).toBe(0);
      expect(result.non2xx).toBe(0);
      expect(result.requests.total).toBeGreaterThan(DURATION_SECONDS);
    }
    results.ask = runs;
    // Memory after garbage collection: what the server holds on to, not what it has yet to free.
    const [first, last] = [runs[0]!, runs[RUNS - 1]!];
    results.heapGrowthPercent = round(
      ((last.serverHeapUsedMb! - first.serverHeapUsedMb!) / first.serverHeapUsedMb!) * 100,
    );
    results.rssGrowthPercent = round(((last.serverRssMb! - first.serverRssMb!) / first.serverRssMb!) * 100);
    expect(last.serverHeapUsedMb!).toBeLessThanOrEqual(first.serverHeapUsedMb! * 1.1);
    expect(last.serverRssMb!).toBeLessThanOrEqual(first.serverRssMb! * 1.1);
  });
});

describe(`${STREAMS} concurrent /api/chat streams`, () => {
  it('all complete with a done event and exact citations', async () => {
    const started = performance.now();
    const streams = await Promise.all(
      questions.slice(0, STREAMS).map(async (question) => {
        const response = await fetch(`${url}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
        });
        return {
          status: response.status,
          text: await response.text(),
          finishedMs: performance.now() - started,
        };
      }),
    );
    for (const stream of streams) {
      expect(stream.status).toBe(200);
      expect(stream.text).toContain('event: retrieval');
      expect(stream.text).toContain('event: done');
      expect(stream.text).not.toContain('event: error');
      const done = /event: done\ndata: (.*)\n/.exec(stream.text)![1]!;
      for (const citation of (
        JSON.parse(done) as {
          citations: Array<{ sourceId: string; start: number; end: number; quote: string }>;
        }
      ).citations) {
        const span = (await (
          await fetch(`${url}/api/sources/${citation.sourceId}?start=${citation.start}&end=${citation.end}`)
        ).json()) as { span: { text: string } };
        expect(span.span.text).toBe(citation.quote);
      }
    }
    results.chatStreams = {
      streams: STREAMS,
      allCompleted: true,
      loadAverage: os.loadavg().map(round),
      slowestMs: round(Math.max(...streams.map((stream) => stream.finishedMs))),
    };
  });
});

async function ask(question: string): Promise<void> {
  const response = await fetch(`${url}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  if (response.status !== 200) throw new Error(`warm-up got ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** Headlines of BBC articles across the categories, as questions. */
async function headlineQuestions(count: number): Promise<string[]> {
  const categories = (await fs.readdir(BBC_ARTICLES, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const headlines: string[] = [];
  for (let index = 1; headlines.length < count; index += 7) {
    for (const category of categories) {
      const file = path.join(BBC_ARTICLES, category, `${String(index).padStart(3, '0')}.txt`);
      const headline = readFileSync(file, 'latin1').split('\n')[0]!.trim();
      if (headline) headlines.push(`What happened: ${headline}?`);
    }
  }
  return headlines.slice(0, count);
}

/** Asks the server's memory probe to collect garbage and report `process.memoryUsage()`. */
async function serverMemory(): Promise<NodeJS.MemoryUsage> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = serverLog.length;
  server.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const match = /memory (\{.*\})\n/.exec(serverLog.slice(before));
    if (match) return JSON.parse(match[1]!) as NodeJS.MemoryUsage;
    if (Date.now() > deadline) throw new Error('the server did not report its memory');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: environment,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
