import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { EmbedderProvider } from '../embed/index.js';
import { FootnoteError } from '../errors.js';
import { type EvalQuestion, loadQuestionSet, percentile } from '../eval/index.js';
import { currentGeneration } from '../index/index.js';
import { type IngestPhase, ingestCorpus } from '../ingest/index.js';
import { createApp } from '../server/index.js';
import { type EnvironmentConfig, PACKAGE_ROOT } from './config.js';
import { prepareSquadCorpus, writeCorpusFiles } from './eval-command.js';
import { latencyPlotSvg } from './latency-plot.js';
import { integerOption } from './options.js';
import { ingestProgress } from './progress.js';
import { createRuntime, openEngine, type Runtime } from './runtime.js';

/** Targets from issue 2 that the bench checks. */
export const BENCH_TARGETS = {
  bbcIngestSeconds: 30,
  warmStartMs: 1500,
  servingRssMb: 600,
  askP50Ms: 15,
  askP95Ms: 40,
};

interface BenchFlags {
  datasets: string;
  out: string;
  questions: number;
  duration: number;
  starts: number;
}

interface Corpus {
  name: string;
  directory: string;
  /** Where the questions come from, for the report. */
  questionsFrom: string;
  questions: EvalQuestion[];
}

interface IngestMeasure {
  corpus: string;
  files: number;
  chunks: number;
  seconds: number;
  chunksPerSecond: number;
  indexBytes: number;
  /** Seconds spent in each stage: reading files, chunking and fitting the embedder, embedding, building HNSW + BM25, building the manifest, writing. */
  stages: Record<'read' | 'chunkAndFit' | 'embed' | 'index' | 'manifest' | 'write', number>;
}

interface LatencyMeasure {
  corpus: string;
  chunks: number;
  questions: number;
  questionsFrom: string;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  refused: number;
}

interface ThroughputMeasure {
  connections: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

interface StartMeasure {
  /** Fresh word-vector cache: converts the GloVe JSON first (the first start after `npm ci`). */
  firstAfterInstallMs: number;
  /** Page cache of the word vectors and the index dropped first (`dd iflag=nocache`), when possible. */
  coldMs: number;
  coldPageCacheDropped: boolean;
  /** Median of the warm starts. */
  warmMs: number;
  warmRunsMs: number[];
}

export function benchCommand(config: () => EnvironmentConfig): Command {
  return new Command('bench')
    .description(
      'Measure ingest speed, index size, start time, answer latency, HTTP throughput and memory on the public datasets',
    )
    .option(
      '--datasets <dir>',
      'folder holding bbc/articles, agnews/test.csv and squad/dev-v1.1-part-a.json',
      '../shared/datasets',
    )
    .option('--out <dir>', 'where results.json and latency-vs-corpus-size.svg are written', 'benchmarks')
    .option('--questions <n>', 'questions per corpus for the answer latency', integerOption, 200)
    .option('--duration <seconds>', 'length of each HTTP load run', integerOption, 10)
    .option('--starts <n>', 'warm server starts to take the median of', integerOption, 5)
    .action(async (flags: BenchFlags) => {
      await bench(flags, config());
    });
}

async function bench(flags: BenchFlags, environment: EnvironmentConfig): Promise<void> {
  const datasets = path.resolve(flags.datasets);
  const bbcDirectory = path.join(datasets, 'bbc', 'articles');
  const agNewsFile = path.join(datasets, 'agnews', 'test.csv');
  const squadFile = path.join(datasets, 'squad', 'dev-v1.1-part-a.json');
  for (const required of [bbcDirectory, agNewsFile, squadFile]) {
    if (!existsSync(required))
      throw new FootnoteError(
        'invalid_request',
        `benchmark dataset ${required} not found; pass the folder holding bbc/, agnews/ and squad/ with --datasets`,
      );
  }
  const stateDirectory = path.join(path.resolve(environment.indexDirectory), 'bench');
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const host = machine();

  log('preparing corpora and questions');
  const squad = await prepareSquadCorpus(squadFile, path.resolve(environment.indexDirectory));
  const agNewsDirectory = path.join(stateDirectory, 'agnews-corpus');
  const agNewsRows = parseCsv(await readFile(agNewsFile, 'utf8'));
  await writeCorpusFiles(agNewsDirectory, agNewsRows.map(agNewsDocument));
  const bbcHeadlines = await readBbcHeadlines(bbcDirectory);
  const corpusQuestions = await loadQuestionSet(path.join(PACKAGE_ROOT, 'evals', 'corpus-questions.jsonl'));
  const corpora: Corpus[] = [
    {
      name: 'corpus/',
      directory: path.resolve(environment.corpusDirectory),
      questionsFrom: 'evals/corpus-questions.jsonl, repeated',
      questions: cycle(corpusQuestions, flags.questions),
    },
    {
      name: 'SQuAD part A',
      directory: squad.corpusDirectory,
      questionsFrom: 'SQuAD questions, evenly spaced',
      questions: spread(squad.questions, flags.questions),
    },
    {
      name: 'BBC',
      directory: bbcDirectory,
      questionsFrom: 'BBC headlines as "What do we know about <headline>?"',
      questions: spread(bbcHeadlines, flags.questions).map(headlineQuestion),
    },
    {
      name: 'AG News',
      directory: agNewsDirectory,
      questionsFrom: 'AG News titles as "What do we know about <title>?"',
      questions: spread(
        agNewsRows.map((row) => row.title),
        flags.questions,
      ).map(headlineQuestion),
    },
  ];

  const base = createRuntime(environment, { embedder: 'glove' }, log);
  const embedder = base.embedder;
  const started = performance.now();
  await embedder.fit(['load the word vectors']);
  const vectorLoadMs = performance.now() - started;

  const ingests: IngestMeasure[] = [];
  const latencies: LatencyMeasure[] = [];
  const indexOf = (corpus: Corpus) => path.join(stateDirectory, `${slug(corpus.name)}-index`);
  for (const corpus of corpora) {
    const runtime: Runtime = {
      ...base,
      embedder,
      corpusDirectory: corpus.directory,
      indexDirectory: indexOf(corpus),
    };
    log(`ingesting ${corpus.name} from scratch`);
    ingests.push(await measureIngest(corpus.name, runtime, embedder));
    log(`answering ${corpus.questions.length} questions over ${corpus.name}`);
    latencies.push(await measureLatency(corpus, runtime));
  }

  const bbcIndex = indexOf(corpora[2]!);
  const bbcMeasure = ingests[2]!;
  log('timing server starts on the BBC index');
  const port = await freePort();
  const starts = await measureStarts(bbcIndex, port, environment.cacheDirectory, flags.starts, log);

  log(`loading the server with autocannon, ${flags.duration} s at 1, 10 and 50 connections`);
  const server = await startServerProcess(bbcIndex, port);
  const idleRssMb = memoryOf(server.child.pid).rssMb;
  const throughput: ThroughputMeasure[] = [];
  let peakRssMb: number;
  try {
    const bodies = spread(bbcHeadlines, 50).map((headline) =>
      JSON.stringify({ question: headlineQuestion(headline).question }),
    );
    for (const connections of [1, 10, 50])
      throughput.push(
        await measureThroughput(`http://127.0.0.1:${port}`, connections, flags.duration, bodies),
      );
    peakRssMb = memoryOf(server.child.pid).peakRssMb;
  } finally {
    await stopProcess(server.child);
  }

  const results = {
    machine: host,
    command: 'npm run bench',
    date: new Date().toISOString(),
    embedder: embedder.id,
    vectorLoadMs,
    ingest: ingests,
    latency: latencies,
    start: starts,
    throughput: { corpus: 'BBC', durationSeconds: flags.duration, runs: throughput },
    memory: { corpus: 'BBC', idleRssMb, peakRssMb },
    targets: BENCH_TARGETS,
  };
  const out = path.resolve(flags.out);
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    path.join(out, 'latency-vs-corpus-size.svg'),
    latencyPlotSvg(
      latencies.map((measure) => ({
        label: `${measure.corpus} (${(ingests.find((ingest) => ingest.corpus === measure.corpus)?.files ?? 0).toLocaleString('en-US')} files)`,
        chunks: measure.chunks,
        p50Ms: measure.p50Ms,
        p95Ms: measure.p95Ms,
      })),
    ),
  );
  log(
    `wrote ${path.join(flags.out, 'results.json')} and ${path.join(flags.out, 'latency-vs-corpus-size.svg')}`,
  );
  process.stdout.write(formatResults(results, bbcMeasure));
}

async function measureIngest(
  name: string,
  runtime: Runtime,
  embedder: EmbedderProvider,
): Promise<IngestMeasure> {
  const firstSeen = new Map<IngestPhase, number>();
  let indexed: number | undefined;
  const progress = ingestProgress();
  const started = performance.now();
  let report: Awaited<ReturnType<typeof ingestCorpus>>;
  try {
    report = await ingestCorpus({
      corpusDirectory: runtime.corpusDirectory,
      indexDirectory: runtime.indexDirectory,
      embedder,
      rebuild: true,
      onProgress: (phase, done, total) => {
        if (!firstSeen.has(phase)) firstSeen.set(phase, performance.now());
        if (phase === 'index' && done === total) indexed = performance.now();
        progress.update(phase, done, total);
      },
    });
  } finally {
    progress.stop();
  }
  const ended = performance.now();
  const at = (phase: IngestPhase, fallback: number) => firstSeen.get(phase) ?? fallback;
  const seconds = (from: number, to: number) => Math.max(0, to - from) / 1000;
  const [read, embed, index, write] = [
    at('read', started),
    at('embed', ended),
    at('index', ended),
    at('write', ended),
  ];
  const generation = currentGeneration(runtime.indexDirectory);
  return {
    corpus: name,
    files: report.sources,
    chunks: report.chunks,
    seconds: (ended - started) / 1000,
    chunksPerSecond: report.chunks / ((ended - started) / 1000),
    indexBytes: generation ? await directoryBytes(path.join(runtime.indexDirectory, generation)) : 0,
    // Files are all read before the first `read` callback, chunking and fitting the embedder follow
    // it; the last `index` callback comes once BM25 is built, before the manifest is put together.
    stages: {
      read: seconds(started, read),
      chunkAndFit: seconds(read, embed),
      embed: seconds(embed, index),
      index: seconds(index, indexed ?? write),
      manifest: seconds(indexed ?? write, write),
      write: seconds(write, ended),
    },
  };
}

async function measureLatency(corpus: Corpus, runtime: Runtime): Promise<LatencyMeasure> {
  const engine = await openEngine(runtime, {});
  const app = createApp({ holder: { engine }, log: () => {} });
  const ask = async (question: EvalQuestion) => {
    const response = await app.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        question: question.question,
        ...(question.history ? { history: question.history } : {}),
      }),
    });
    const body = (await response.json()) as { grounded?: boolean };
    if (response.status !== 200)
      throw new Error(`POST /api/ask answered ${response.status}: ${JSON.stringify(body)}`);
    return body.grounded === true;
  };
  for (const question of corpus.questions.slice(0, 20)) await ask(question);
  const times: number[] = [];
  let refused = 0;
  for (const question of corpus.questions) {
    const started = performance.now();
    const grounded = await ask(question);
    times.push(performance.now() - started);
    if (!grounded) refused++;
  }
  return {
    corpus: corpus.name,
    chunks: engine.store.manifest.counts.chunks,
    questions: times.length,
    questionsFrom: corpus.questionsFrom,
    p50Ms: percentile(times, 50) ?? 0,
    p95Ms: percentile(times, 95) ?? 0,
    meanMs: times.reduce((sum, time) => sum + time, 0) / times.length,
    refused,
  };
}

async function measureStarts(
  indexDirectory: string,
  port: number,
  cacheDirectory: string,
  warmRuns: number,
  log: (line: string) => void,
): Promise<StartMeasure> {
  const freshCache = await mkdtemp(path.join(os.tmpdir(), 'footnote-bench-vectors-'));
  let firstAfterInstallMs: number;
  try {
    log('  first start after install (fresh word-vector cache, converts the GloVe JSON)');
    const first = await startServerProcess(indexDirectory, port, { FOOTNOTE_CACHE_DIR: freshCache });
    firstAfterInstallMs = first.ms;
    await stopProcess(first.child);
  } finally {
    await rm(freshCache, { recursive: true, force: true });
  }

  log('  cold start (page cache of the word vectors and the index dropped)');
  const generation = currentGeneration(indexDirectory);
  const files = [
    ...(await filesUnder(cacheDirectory)),
    ...(generation ? await filesUnder(path.join(indexDirectory, generation)) : []),
  ];
  const coldPageCacheDropped =
    files.length > 0 &&
    files.every(
      (file) => spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0,
    );
  const cold = await startServerProcess(indexDirectory, port);
  await stopProcess(cold.child);

  log(`  ${warmRuns} warm starts`);
  const warmRunsMs: number[] = [];
  for (let run = 0; run < warmRuns; run++) {
    const warm = await startServerProcess(indexDirectory, port);
    warmRunsMs.push(warm.ms);
    await stopProcess(warm.child);
  }
  return {
    firstAfterInstallMs,
    coldMs: cold.ms,
    coldPageCacheDropped,
    warmMs: percentile(warmRunsMs, 50) ?? 0,
    warmRunsMs,
  };
}

/**
 * Spawns `footnote serve --no-ingest` as a user would and resolves once `/api/health` answers
 * 200, with the time from spawn. Rate limiting and the API key are turned off so the bench
 * measures the server, not its guard.
 */
async function startServerProcess(
  indexDirectory: string,
  port: number,
  environment: Record<string, string> = {},
): Promise<{ child: ChildProcess; ms: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      path.join(PACKAGE_ROOT, 'bin', 'footnote.js'),
      'serve',
      '--no-ingest',
      '--index-dir',
      indexDirectory,
      '--embedder',
      'glove',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    {
      env: { ...process.env, FOOTNOTE_RATE_LIMIT: '0', FOOTNOTE_API_KEY: '', ...environment },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = started + 120_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`footnote serve exited with code ${child.exitCode} before it was healthy:\n${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`);
      await response.arrayBuffer();
      if (response.status === 200) return { child, ms: performance.now() - started };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await stopProcess(child);
  throw new Error(`footnote serve was not healthy after 120 s:\n${stderr}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Current and peak resident set size of a process, from /proc (Linux); NaN elsewhere. */
function memoryOf(pid: number | undefined): { rssMb: number; peakRssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rssMb: field('VmRSS'), peakRssMb: field('VmHWM') };
  } catch {
    return { rssMb: Number.NaN, peakRssMb: Number.NaN };
  }
}

async function measureThroughput(
  url: string,
  connections: number,
  duration: number,
  bodies: string[],
): Promise<ThroughputMeasure> {
  let autocannon: typeof import('autocannon').default;
  try {
    autocannon = (await import('autocannon')).default;
  } catch {
    throw new FootnoteError(
      'invalid_request',
      'footnote bench needs the autocannon devDependency; run `npm install` (not `npm install --omit=dev`) in the Footnote folder',
    );
  }
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: '/api/ask',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return {
    connections,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function filesUnder(directory: string): Promise<string[]> {
  if (!existsSync(directory)) return [];
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const file of await filesUnder(directory)) total += (await stat(file)).size;
  return total;
}

/** First line of every article, in a stable order (the README is not an article). */
async function readBbcHeadlines(directory: string): Promise<string[]> {
  const files = (await filesUnder(directory)).filter((file) => /\/\d+\.txt$/.test(file)).sort();
  const headlines: string[] = [];
  for (const file of files) {
    const headline = (await readFile(file, 'latin1')).split('\n', 1)[0]?.trim();
    if (headline) headlines.push(headline);
  }
  return headlines;
}

function headlineQuestion(headline: string, index = 0): EvalQuestion {
  return {
    id: `headline-${index}`,
    question: `What do we know about ${headline.replace(/[.?!]+$/, '')}?`,
    answers: [],
    sources: [],
  };
}

interface AgNewsRow {
  row: number;
  category: string;
  title: string;
  description: string;
}

const AG_NEWS_CLASSES = ['world', 'sports', 'business', 'sci-tech'];

/** Rows of AG News' `class,title,description` CSV (RFC 4180 quoting, no header). */
function parseCsv(content: string): AgNewsRow[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let index = 0; index < content.length; index++) {
    const character = content[index]!;
    if (quoted) {
      if (character === '"' && content[index + 1] === '"') {
        field += '"';
        index++;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && content[index + 1] === '\n') index++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += character;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records
    .filter((fields) => fields.length >= 3)
    .map((fields, row) => ({
      row,
      category: AG_NEWS_CLASSES[Number(fields[0]) - 1] ?? 'other',
      title: fields[1]!.trim(),
      description: fields[2]!.trim(),
    }));
}

/** One AG News row as a document: the title as its first line, then the description. */
function agNewsDocument(row: AgNewsRow): { source: string; text: string } {
  // AG News writes line breaks inside descriptions as a backslash.
  return {
    source: `${row.category}/${String(row.row).padStart(4, '0')}.txt`,
    text: `${row.title}\n\n${row.description.replaceAll('\\', '\n')}\n`,
  };
}

/** `count` items spread evenly over the list, in order. */
function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, index) => items[Math.floor((index * items.length) / count)]!);
}

/** The list repeated until it holds `count` items. */
function cycle<T>(items: T[], count: number): T[] {
  return Array.from({ length: count }, (_, index) => items[index % items.length]!);
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    /** Other work on the machine skews every timing; recorded so runs can be compared. */
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
  };
}

type Results = {
  machine: ReturnType<typeof machine>;
  embedder: string;
  vectorLoadMs: number;
  ingest: IngestMeasure[];
  latency: LatencyMeasure[];
  start: StartMeasure;
  throughput: { durationSeconds: number; runs: ThroughputMeasure[] };
  memory: { idleRssMb: number; peakRssMb: number };
};

/** The results as Markdown tables, with each target and whether it is met. */
function formatResults(results: Results, bbc: IngestMeasure): string {
  const number = (value: number, digits = 1) =>
    Number.isFinite(value)
      ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : 'n/a';
  const megabytes = (bytes: number) => `${number(bytes / 1024 ** 2)} MB`;
  const check = (ok: boolean) => (ok ? 'met' : '**missed**');
  const m = results.machine;
  const bbcLatency = results.latency.find((measure) => measure.corpus === 'BBC')!;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverage.join(' / ')}; embedder ${results.embedder}`,
    '',
    '### Ingest (from scratch, in process, word vectors already loaded)',
    '',
    '| corpus | files | chunks | time | chunks/s | index size | read files | chunk + fit | embed | HNSW + BM25 | manifest | write |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.ingest.map(
      (ingest) =>
        `| ${ingest.corpus} | ${ingest.files.toLocaleString('en-US')} | ${ingest.chunks.toLocaleString('en-US')} | ${number(ingest.seconds)} s | ${number(ingest.chunksPerSecond, 0)} | ${megabytes(ingest.indexBytes)} | ${number(ingest.stages.read)} s | ${number(ingest.stages.chunkAndFit)} s | ${number(ingest.stages.embed)} s | ${number(ingest.stages.index)} s | ${number(ingest.stages.manifest)} s | ${number(ingest.stages.write)} s |`,
    ),
    '',
    `Loading the word vectors once per process: ${number(results.vectorLoadMs, 0)} ms (not included above).`,
    '',
    '### Answer latency (in-process `POST /api/ask` via `app.request`, after 20 warm-up questions)',
    '',
    '| corpus | chunks | questions | p50 | p95 | mean | refused | questions from |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
    ...results.latency.map(
      (measure) =>
        `| ${measure.corpus} | ${measure.chunks.toLocaleString('en-US')} | ${measure.questions} | ${number(measure.p50Ms)} ms | ${number(measure.p95Ms)} ms | ${number(measure.meanMs)} ms | ${measure.refused} | ${measure.questionsFrom} |`,
    ),
    '',
    '### Server start on the BBC index (spawn `footnote serve --no-ingest` → first `/api/health` 200)',
    '',
    '| start | time |',
    '|---|--:|',
    `| first start after install (fresh word-vector cache: converts the GloVe JSON) | ${number(results.start.firstAfterInstallMs, 0)} ms |`,
    `| cold (${results.start.coldPageCacheDropped ? 'page cache of the word vectors and index dropped' : 'page cache could NOT be dropped'}) | ${number(results.start.coldMs, 0)} ms |`,
    `| warm (median of ${results.start.warmRunsMs.length}: ${results.start.warmRunsMs.map((ms) => number(ms, 0)).join(', ')}) | ${number(results.start.warmMs, 0)} ms |`,
    '',
    `### HTTP throughput (loopback, autocannon, POST /api/ask with 50 BBC headline questions in turn, ${results.throughput.durationSeconds} s per run)`,
    '',
    '| connections | requests/s | p50 | p99 | requests | non-2xx | errors |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    ...results.throughput.runs.map(
      (run) =>
        `| ${run.connections} | ${number(run.requestsPerSecond)} | ${number(run.latencyP50Ms, 0)} ms | ${number(run.latencyP99Ms, 0)} ms | ${run.requests.toLocaleString('en-US')} | ${run.non2xx} | ${run.errors} |`,
    ),
    '',
    `Server memory (BBC index): ${number(results.memory.idleRssMb, 0)} MB RSS after start, ${number(results.memory.peakRssMb, 0)} MB peak RSS (VmHWM) after the load runs.`,
    '',
    '### Targets (issue 2)',
    '',
    '| target | measured | |',
    '|---|--:|---|',
    `| BBC ingest ≤ ${BENCH_TARGETS.bbcIngestSeconds} s | ${number(bbc.seconds)} s | ${check(bbc.seconds <= BENCH_TARGETS.bbcIngestSeconds)} |`,
    `| warm start ≤ ${number(BENCH_TARGETS.warmStartMs / 1000)} s | ${number(results.start.warmMs / 1000, 2)} s | ${check(results.start.warmMs <= BENCH_TARGETS.warmStartMs)} |`,
    `| RSS while serving ≤ ${BENCH_TARGETS.servingRssMb} MB | ${number(results.memory.peakRssMb, 0)} MB | ${check(results.memory.peakRssMb <= BENCH_TARGETS.servingRssMb)} |`,
    `| in-process /api/ask p50 ≤ ${BENCH_TARGETS.askP50Ms} ms (BBC) | ${number(bbcLatency.p50Ms)} ms | ${check(bbcLatency.p50Ms <= BENCH_TARGETS.askP50Ms)} |`,
    `| in-process /api/ask p95 ≤ ${BENCH_TARGETS.askP95Ms} ms (BBC) | ${number(bbcLatency.p95Ms)} ms | ${check(bbcLatency.p95Ms <= BENCH_TARGETS.askP95Ms)} |`,
  ];
  return `${lines.join('\n')}\n`;
}
