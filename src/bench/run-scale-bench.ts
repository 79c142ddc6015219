import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { EmbedderProvider } from '../embed/index.js';
import { percentile } from '../eval/index.js';
import { ingestCorpus } from '../ingest/index.js';
import type { StoreProvider } from '../store/index.js';
import { headlineQuestion, readBbcHeadlines, spread } from './bench-corpora.js';
import { machine } from './bench-report.js';
import { treeCpuMs, treeRssMb } from './measure-memory.js';
import { measureThroughput, type ThroughputMeasure } from './measure-throughput.js';
import { freePort, type ServerCommand, startServerProcess, stopProcess } from './server-process.js';

/** One way of serving the BBC index: which store, how many app servers, how many workers each. */
export interface ScaleSetup {
  store: 'file' | 'postgres';
  /** Separate `footnote serve` processes (on their own ports) over the same index or database. */
  servers: number;
  /** `--workers` of each server. */
  workers: number;
}

/** What one setup served at `connections` connections, over `repeats` runs. */
export interface ScaleMeasure extends ScaleSetup {
  /** Every run; with two servers, each run's two halves are summed (req/s) or the worse taken (p50, p99). */
  runs: ThroughputMeasure[];
  medianRequestsPerSecond: number;
  medianP99Ms: number;
  medianP50Ms: number;
  /** RSS of every process serving (primaries and workers) after a run, median over the runs. */
  rssMb: number;
  /**
   * CPU time of every serving process per answered request, median over the runs: what a
   * request costs whatever else runs on the machine (the database server not included).
   */
  cpuMsPerRequest: number;
}

/** Everything one `footnote bench --scale` run measured (`benchmarks/scale-results.json`). */
export interface ScaleResults {
  machine: ReturnType<typeof machine>;
  command: string;
  date: string;
  corpus: string;
  connections: number;
  durationSeconds: number;
  repeats: number;
  measures: ScaleMeasure[];
}

/** What `runScaleBench` measures and with what. */
export interface ScaleBenchOptions {
  /** `bbc/articles` of the datasets folder. */
  bbcDirectory: string;
  /** The file store's BBC index folder (built or brought up to date first). */
  indexDirectory: string;
  /** The embedder both stores are built with. */
  embedder: EmbedderProvider;
  /** The file store over `indexDirectory`. */
  fileStore: StoreProvider;
  /** The Postgres store and its URL; undefined = measure the file store only. @default undefined */
  postgres?: { url: string; store: StoreProvider };
  server: ServerCommand;
  /** @default 50 */
  connections: number;
  /** Seconds of each measured run. @default 10 */
  duration: number;
  /** Measured runs per setup, after a 3 s warm-up. @default 3 */
  repeats: number;
  /** @default ignore */
  log: (line: string) => void;
}

/**
 * HTTP throughput and tail latency of `POST /api/ask` on the BBC index, at `connections`
 * connections, with one and two workers on each store and with one and two app servers on one
 * Postgres database (the connections split between them, as a load balancer would). In each of
 * `repeats` rounds every setup is started, warmed up for 3 s, measured once and stopped; the
 * medians over the rounds are reported.
 */
export async function runScaleBench(
  options: Partial<ScaleBenchOptions> &
    Pick<ScaleBenchOptions, 'bbcDirectory' | 'indexDirectory' | 'embedder' | 'fileStore' | 'server'>,
): Promise<ScaleResults> {
  const settings: ScaleBenchOptions = {
    connections: 50,
    duration: 10,
    repeats: 3,
    log: () => {},
    ...options,
  };
  const { log } = settings;
  const host = machine();
  const bodies = spread(await readBbcHeadlines(settings.bbcDirectory), 50).map((headline) =>
    JSON.stringify({ question: headlineQuestion(headline).question }),
  );
  const stores: Array<{ id: ScaleSetup['store']; store: StoreProvider; flag: string }> = [
    { id: 'file', store: settings.fileStore, flag: 'file' },
    ...(settings.postgres
      ? [{ id: 'postgres' as const, ...settings.postgres, flag: settings.postgres.url }]
      : []),
  ];
  for (const { id, store } of stores) {
    log(`bringing the ${id} store's BBC index up to date`);
    await ingestCorpus({ corpusDirectory: settings.bbcDirectory, store, embedder: settings.embedder });
  }
  const setups: ScaleSetup[] = [
    { store: 'file', servers: 1, workers: 1 },
    { store: 'file', servers: 1, workers: 2 },
    ...(settings.postgres
      ? ([
          { store: 'postgres', servers: 1, workers: 1 },
          { store: 'postgres', servers: 1, workers: 2 },
          { store: 'postgres', servers: 2, workers: 1 },
        ] as const)
      : []),
  ];

  // Setups take turns, one run each per round, so that other work on the machine weighs on all alike.
  const runs = setups.map((): ThroughputMeasure[] => []);
  const rss = setups.map((): number[] => []);
  const cpuPerRequest = setups.map((): number[] => []);
  for (let round = 0; round < settings.repeats; round++) {
    for (const [index, setup] of setups.entries()) {
      const flag = stores.find((store) => store.id === setup.store)!.flag;
      const servers: ChildProcess[] = [];
      try {
        const urls: string[] = [];
        for (let server = 0; server < setup.servers; server++) {
          const port = await freePort();
          const started = await startServerProcess(
            settings.server,
            settings.indexDirectory,
            port,
            {},
            { store: flag, workers: setup.workers },
          );
          servers.push(started.child);
          urls.push(`http://127.0.0.1:${port}`);
        }
        const load = (duration: number) =>
          Promise.all(
            urls.map((url) => measureThroughput(url, settings.connections / urls.length, duration, bodies)),
          ).then(combine);
        await load(3);
        const cpu = () => servers.reduce((total, child) => total + treeCpuMs(child.pid), 0);
        const cpuBefore = cpu();
        const measured = await load(settings.duration);
        runs[index]!.push(measured);
        cpuPerRequest[index]!.push((cpu() - cpuBefore) / Math.max(1, measured.requests));
        rss[index]!.push(servers.reduce((total, child) => total + treeRssMb(child.pid), 0));
        log(
          `round ${round + 1}, ${setup.store} store, ${setup.servers} server(s) × ${setup.workers} worker(s): ${measured.requestsPerSecond.toFixed(1)} req/s, p99 ${measured.latencyP99Ms} ms`,
        );
      } finally {
        for (const child of servers) await stopProcess(child);
      }
    }
  }
  const median = (values: number[]) => percentile(values, 50) ?? 0;
  const measures: ScaleMeasure[] = setups.map((setup, index) => ({
    ...setup,
    runs: runs[index]!,
    medianRequestsPerSecond: median(runs[index]!.map((run) => run.requestsPerSecond)),
    medianP99Ms: median(runs[index]!.map((run) => run.latencyP99Ms)),
    medianP50Ms: median(runs[index]!.map((run) => run.latencyP50Ms)),
    rssMb: median(rss[index]!),
    cpuMsPerRequest: median(cpuPerRequest[index]!),
  }));
  return {
    machine: host,
    command: `footnote bench --scale${settings.postgres ? ' --store <postgres url>' : ''} --repeats ${settings.repeats} --duration ${settings.duration}`,
    date: new Date().toISOString(),
    corpus: path.basename(path.dirname(settings.bbcDirectory)),
    connections: settings.connections,
    durationSeconds: settings.duration,
    repeats: settings.repeats,
    measures,
  };
}

/** Runs against several servers at once as one: requests summed, latency the worse of them. */
function combine(parts: ThroughputMeasure[]): ThroughputMeasure {
  const sum = (pick: (part: ThroughputMeasure) => number) =>
    parts.reduce((total, part) => total + pick(part), 0);
  const worst = (pick: (part: ThroughputMeasure) => number) => Math.max(...parts.map(pick));
  return {
    connections: sum((part) => part.connections),
    requestsPerSecond: sum((part) => part.requestsPerSecond),
    latencyP50Ms: worst((part) => part.latencyP50Ms),
    latencyP99Ms: worst((part) => part.latencyP99Ms),
    requests: sum((part) => part.requests),
    non2xx: sum((part) => part.non2xx),
    errors: sum((part) => part.errors),
  };
}

/** The scale results as a Markdown table. */
export function formatScaleReport(results: ScaleResults): string {
  const lines = [
    `BBC, POST /api/ask, ${results.connections} connections, median of ${results.repeats} × ${results.durationSeconds} s runs (after a 3 s warm-up); load average at start ${results.machine.loadAverage.join(' / ')}`,
    '',
    '| store | app servers × workers | req/s (median) | p50 | p99 (median) | runs (req/s) | non-2xx | errors | server CPU per request | RSS of all processes |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...results.measures.map(
      (measure) =>
        `| ${measure.store} | ${measure.servers} × ${measure.workers} | ${measure.medianRequestsPerSecond.toFixed(1)} | ${Math.round(measure.medianP50Ms)} ms | ${Math.round(measure.medianP99Ms)} ms | ${measure.runs.map((run) => run.requestsPerSecond.toFixed(1)).join(', ')} | ${measure.runs.reduce((total, run) => total + run.non2xx, 0)} | ${measure.runs.reduce((total, run) => total + run.errors, 0)} | ${measure.cpuMsPerRequest.toFixed(1)} ms | ${Math.round(measure.rssMb)} MB |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
