import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { latencyPlotSvg } from './latency-plot.js';
import type { IngestMeasure } from './measure-ingest.js';
import type { LatencyMeasure } from './measure-latency.js';
import type { StartMeasure, WarmStarts } from './measure-starts.js';
import type { ThroughputMeasure } from './measure-throughput.js';

/** Targets from issue 2 that the bench checks. */
export const BENCH_TARGETS = {
  bbcIngestSeconds: 30,
  warmStartMs: 1500,
  servingRssMb: 600,
  askP50Ms: 15,
  askP95Ms: 40,
};

/** The machine a run was measured on, recorded beside its numbers. */
export function machine() {
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

/** Everything one `footnote bench` run measured, as `benchmarks/results.json` holds it. */
export interface BenchResults {
  machine: ReturnType<typeof machine>;
  command: string;
  date: string;
  embedder: string;
  vectorLoadMs: number;
  ingest: IngestMeasure[];
  latency: LatencyMeasure[];
  start: StartMeasure;
  throughput: { corpus: string; durationSeconds: number; runs: ThroughputMeasure[] };
  memory: { corpus: string; idleRssMb: number; peakRssMb: number };
  targets: typeof BENCH_TARGETS;
}

/** What `footnote bench --starts-only` measured. */
export interface StartBenchResults {
  machine: ReturnType<typeof machine>;
  command: string;
  date: string;
  warm: WarmStarts;
}

/** The warm starts and the first answers after them, as Markdown, with the start target. */
export function formatStartReport(results: StartBenchResults): string {
  const m = results.machine;
  const { warm } = results;
  const ms = (value: number) => Math.round(value).toLocaleString('en-US');
  const met = warm.warmMs <= BENCH_TARGETS.warmStartMs ? 'met' : '**missed**';
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average at start ${m.loadAverage.join(' / ')}`,
    '',
    '| BBC index | median | runs |',
    '|---|--:|---|',
    `| warm start (spawn \`footnote serve --no-ingest\` → first \`/api/health\` 200) | ${ms(warm.warmMs)} ms | ${warm.warmRunsMs.map(ms).join(', ')} |`,
    `| server CPU (user + sys, all threads) when it first answered | ${ms(warm.cpuMs)} ms | ${warm.cpuRunsMs.map(ms).join(', ')} |`,
    `| of which its main thread (loads the index) | ${ms(warm.mainThreadCpuMs)} ms | ${warm.mainThreadCpuRunsMs.map(ms).join(', ')} |`,
    `| first \`POST /api/ask\` after it | ${ms(warm.firstAskMs)} ms | ${warm.firstAskRunsMs.map(ms).join(', ')} |`,
    '',
    `Target warm start ≤ ${(BENCH_TARGETS.warmStartMs / 1000).toFixed(1)} s: ${met}.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes `results.json` and `latency-vs-corpus-size.svg` under `directory`; returns their paths. */
export async function writeBenchReport(results: BenchResults, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const json = path.join(directory, 'results.json');
  const plot = path.join(directory, 'latency-vs-corpus-size.svg');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    plot,
    latencyPlotSvg(
      results.latency.map((measure) => ({
        label: `${measure.corpus} (${(results.ingest.find((ingest) => ingest.corpus === measure.corpus)?.files ?? 0).toLocaleString('en-US')} files)`,
        chunks: measure.chunks,
        p50Ms: measure.p50Ms,
        p95Ms: measure.p95Ms,
      })),
    ),
  );
  return [json, plot];
}

/** The results as Markdown tables, with each target and whether it is met. */
export function formatBenchReport(results: BenchResults): string {
  const bbc = results.ingest.find((measure) => measure.corpus === 'BBC')!;
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
    `| server CPU (user + sys) at a warm start's first health answer (median; main thread ${number(results.start.mainThreadCpuMs, 0)} ms) | ${number(results.start.cpuMs, 0)} ms |`,
    `| first \`POST /api/ask\` after a warm start (median of ${results.start.firstAskRunsMs.length}: ${results.start.firstAskRunsMs.map((ms) => number(ms, 0)).join(', ')}) | ${number(results.start.firstAskMs, 0)} ms |`,
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
