import path from 'node:path';
import type { EmbedderProvider } from '../embed/index.js';
import type { Engine } from '../engine.js';
import { benchCorpora, headlineQuestion, spread } from './bench-corpora.js';
import { BENCH_TARGETS, type BenchResults, machine } from './bench-report.js';
import { type IngestMeasure, type IngestProgressDisplay, measureIngest } from './measure-ingest.js';
import { type LatencyMeasure, measureLatency } from './measure-latency.js';
import { memoryOf } from './measure-memory.js';
import { measureStarts } from './measure-starts.js';
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
  const indexOf = (name: string) => path.join(settings.stateDirectory, 'bench', `${slug(name)}-index`);
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

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
