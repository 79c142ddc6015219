import path from 'node:path';
import type { EmbedderProvider } from '../embed/index.js';
import type { Engine } from '../engine.js';
import { FootnoteError } from '../errors.js';
import { ingestCorpus } from '../ingest/index.js';
import { benchCorpora, headlineQuestion, readBbcHeadlines, spread } from './bench-corpora.js';
import { BENCH_TARGETS, type BenchResults, machine, type StartBenchResults } from './bench-report.js';
import { type IngestMeasure, type IngestProgressDisplay, measureIngest } from './measure-ingest.js';
import { type LatencyMeasure, measureLatency } from './measure-latency.js';
import { memoryOf } from './measure-memory.js';
import { measureStarts, measureWarmStarts } from './measure-starts.js';
import { measureThroughput, type ThroughputMeasure } from './measure-throughput.js';
import { freePort, type ServerCommand, startServerProcess, stopProcess } from './server-process.js';

/** What `runBench` measures and with what. */
export interface BenchOptions {
  /** Folder holding `bbc/articles`, `agnews/test.csv` and `squad/dev-v1.1-part-a.json`. */
  datasets: string;
  /** Footnote's own corpus, measured beside the public sets. */
  corpusDirectory: string;
  /** `evals/corpus-questions.jsonl`, the questions asked of `corpusDirectory`. */
  corpusQuestionsFile: string;
  /** Footnote's state folder; the bench writes its corpora and indexes under `<it>/bench`. */
  stateDirectory: string;
  /** The word-vector cache, whose page cache the cold start drops. */
  cacheDirectory: string;
  /** The GloVe embedder every corpus is indexed with (loaded once, before the ingests). */
  embedder: EmbedderProvider;
  /** Opens an engine over an index directory, as `footnote serve` would. */
  openEngine: (indexDirectory: string) => Promise<Engine>;
  /** How to spawn `footnote serve` for the start, throughput and memory measures. */
  server: ServerCommand;
  /** Questions per corpus for the answer latency. @default 200 */
  questions: number;
  /** Seconds of each HTTP load run. @default 10 */
  duration: number;
  /** Warm server starts to take the median of. @default 5 */
  starts: number;
  /** Progress lines. @default ignore */
  log: (line: string) => void;
  /** A progress display for each ingest. @default none */
  ingestProgress?: () => IngestProgressDisplay;
}

/** The defaults of `BenchOptions`. */
export const defaultBenchOptions = {
  questions: 200,
  duration: 10,
  starts: 5,
  log: () => {},
} satisfies Partial<BenchOptions>;

/**
 * Measures ingest speed and index size, answer latency per corpus size, server start times, HTTP
 * throughput and server memory, on `corpus/`, SQuAD part A, BBC News and AG News. Start,
 * throughput and memory are measured on the BBC index.
 */
export async function runBench(
  options: Omit<BenchOptions, keyof typeof defaultBenchOptions> & Partial<BenchOptions>,
): Promise<BenchResults> {
  const settings: BenchOptions = { ...defaultBenchOptions, ...options };
  const { log, embedder } = settings;
  const host = machine();

  const { corpora, bbcHeadlines } = await benchCorpora(settings);

  const started = performance.now();
  await embedder.fit(['load the word vectors']);
  const vectorLoadMs = performance.now() - started;

  const ingests: IngestMeasure[] = [];
  const latencies: LatencyMeasure[] = [];
  const indexOf = (name: string) => benchIndexDirectory(settings.stateDirectory, name);
  for (const corpus of corpora) {
    log(`ingesting ${corpus.name} from scratch`);
    ingests.push(
      await measureIngest(corpus.name, {
        corpusDirectory: corpus.directory,
        indexDirectory: indexOf(corpus.name),
        embedder,
        ...(settings.ingestProgress ? { progress: settings.ingestProgress() } : {}),
      }),
    );
    log(`answering ${corpus.questions.length} questions over ${corpus.name}`);
    latencies.push(await measureLatency(corpus, await settings.openEngine(indexOf(corpus.name))));
  }

  const bbcIndex = indexOf('BBC');
  log('timing server starts on the BBC index');
  const port = await freePort();
  const start = await measureStarts({
    server: settings.server,
    indexDirectory: bbcIndex,
    port,
    cacheDirectory: settings.cacheDirectory,
    warmRuns: settings.starts,
    question: headlineQuestion(bbcHeadlines[0]!).question,
    log,
  });

  log(`loading the server with autocannon, ${settings.duration} s at 1, 10 and 50 connections`);
  const server = await startServerProcess(settings.server, bbcIndex, port);
  const idleRssMb = memoryOf(server.child.pid).rssMb;
  const throughput: ThroughputMeasure[] = [];
  let peakRssMb: number;
  try {
    const bodies = spread(bbcHeadlines, 50).map((headline) =>
      JSON.stringify({ question: headlineQuestion(headline).question }),
    );
    for (const connections of [1, 10, 50])
      throughput.push(
        await measureThroughput(`http://127.0.0.1:${port}`, connections, settings.duration, bodies),
      );
    peakRssMb = memoryOf(server.child.pid).peakRssMb;
  } finally {
    await stopProcess(server.child);
  }

  return {
    machine: host,
    command: 'npm run bench',
    date: new Date().toISOString(),
    embedder: embedder.id,
    vectorLoadMs,
    ingest: ingests,
    latency: latencies,
    start,
    throughput: { corpus: 'BBC', durationSeconds: settings.duration, runs: throughput },
    memory: { corpus: 'BBC', idleRssMb, peakRssMb },
    targets: BENCH_TARGETS,
  };
}

/**
 * Warm starts alone (`footnote bench --starts-only`): brings the bench's BBC index up to date
 * (an incremental ingest, which builds it the first time), then starts the server on it
 * `starts` times, asking the first BBC headline question after each start.
 */
export async function runStartBench(
  options: Pick<BenchOptions, 'datasets' | 'stateDirectory' | 'embedder' | 'server'> &
    Partial<Pick<BenchOptions, 'starts' | 'log' | 'ingestProgress'>>,
): Promise<StartBenchResults> {
  const { starts = defaultBenchOptions.starts, log = defaultBenchOptions.log } = options;
  const host = machine();
  const bbcDirectory = path.join(options.datasets, 'bbc', 'articles');
  const headlines = await readBbcHeadlines(bbcDirectory);
  if (headlines.length === 0)
    throw new FootnoteError(
      'invalid_request',
      `no BBC articles under ${bbcDirectory}; pass the folder holding bbc/ with --datasets`,
    );
  const indexDirectory = benchIndexDirectory(options.stateDirectory, 'BBC');
  log(`bringing the BBC index in ${indexDirectory} up to date`);
  const progress = options.ingestProgress?.();
  try {
    const report = await ingestCorpus({
      corpusDirectory: bbcDirectory,
      indexDirectory,
      embedder: options.embedder,
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.stop();
    log(
      report.written
        ? `indexed ${report.sources} files as ${report.chunks} chunks (${report.embeddedChunks} embedded)`
        : `index is up to date (${report.sources} files, ${report.chunks} chunks)`,
    );
  } finally {
    progress?.stop();
  }
  log(`${starts} warm starts on the BBC index, each with a first question`);
  const warm = await measureWarmStarts({
    server: options.server,
    indexDirectory,
    port: await freePort(),
    runs: starts,
    question: headlineQuestion(headlines[0]!).question,
  });
  return { machine: host, command: 'npm run bench -- --starts-only', date: new Date().toISOString(), warm };
}

/** Where the bench keeps a corpus's index: `<stateDirectory>/bench/<slug of its name>-index`. */
function benchIndexDirectory(stateDirectory: string, name: string): string {
  return path.join(stateDirectory, 'bench', `${slug(name)}-index`);
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
