import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { holdClusterRateLimits } from './cluster-rate-limit-store.js';

/** What a worker tells the primary once it is listening. */
export interface WorkerReady {
  footnote: 'ready';
  /** Where it listens (the port every worker shares). */
  url: string;
  /** The line a single server prints at start (files, chunks, embedder, generator, index). */
  summary: string;
  /** The worker's resident memory, in bytes, with its index loaded. */
  rss: number;
}

/** How many workers `runCluster` starts and how it looks after them. */
export interface ClusterOptions {
  /** Workers to run; undefined = one per core, capped by memory (see `chooseWorkerCount`). */
  workers: number | undefined;
  /** @default os.availableParallelism() */
  cores: number;
  /** Memory, in bytes, free for more workers once the first is serving. @default os.freemem */
  availableMemory: () => number;
  /** How long workers may finish in-flight requests after SIGTERM/SIGINT before they are killed. @default 15000 */
  shutdownGraceMs: number;
  /** Crashes within `crashWindowMs` after which the primary stops instead of restarting. @default 5 */
  maxCrashes: number;
  /** @default 60000 */
  crashWindowMs: number;
  /** @default writes to stderr */
  log: (line: string) => void;
}

/** The defaults of `ClusterOptions`. */
export const defaultClusterOptions: ClusterOptions = {
  workers: undefined,
  cores: os.availableParallelism(),
  availableMemory: () => os.freemem(),
  shutdownGraceMs: 15_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
  log: (line) => process.stderr.write(`${line}\n`),
};

/** Share of the free memory more workers may take; the rest is left for re-ingest and the system. */
const MEMORY_SHARE = 0.75;

/**
 * How many workers to run, and why in words. A count the operator asked for is kept (with a
 * warning when it will not fit in memory); otherwise one per core, but no more than the memory
 * left once the first worker has loaded its index holds (`MEMORY_SHARE` of it, at that worker's RSS each).
 *
 * @example chooseWorkerCount({ cores: 8, workerRss: 2e9, availableMemory: 5e9 }) // { count: 2, … }
 */
export function chooseWorkerCount(options: {
  requested?: number | undefined;
  cores: number;
  workerRss: number;
  availableMemory: number;
}): { count: number; reason: string; warning?: string } {
  const room = Math.max(0, Math.floor((options.availableMemory * MEMORY_SHARE) / options.workerRss));
  const measured = `the first worker holds ${megabytes(options.workerRss)} with the index loaded and ${megabytes(options.availableMemory)} of memory is free, room for ${room} more`;
  if (options.requested !== undefined)
    return {
      count: options.requested,
      reason: 'as asked (--workers or FOOTNOTE_WORKERS)',
      ...(options.requested - 1 > room
        ? {
            warning: `${options.requested} workers may not fit in memory: ${measured}; ask for fewer with --workers`,
          }
        : {}),
    };
  const count = Math.max(1, Math.min(options.cores, 1 + room));
  const why =
    count < options.cores
      ? `fewer than the ${options.cores} cores because ${measured}`
      : `one per core (${options.cores}); ${measured}`;
  return { count, reason: `${why}; set --workers to choose` };
}

/**
 * Runs `footnote serve` as a primary and N workers (node:cluster) on one port. The same command
 * line runs in each worker, which serves the app and says `ready` (see `reportReady`); the
 * primary holds the rate-limit counters, starts the first worker alone (it ingests at start and
 * is measured to choose the count), then the others; restarts a worker that dies; and on
 * SIGTERM/SIGINT lets every worker finish its requests, then exits 0.
 */
export async function runCluster(options: Partial<ClusterOptions> = {}): Promise<void> {
  const settings: ClusterOptions = { ...defaultClusterOptions, ...options };
  const { log } = settings;
  holdClusterRateLimits();
  let stopping = false;
  let started = false;
  const crashes: number[] = [];

  const fork = (): Promise<WorkerReady | undefined> => {
    const worker = cluster.fork();
    return new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        if (!isReady(message)) return;
        worker.off('message', onMessage);
        log(`worker ${worker.id} (pid ${worker.process.pid}) is serving`);
        resolve(message);
      };
      worker.on('message', onMessage);
      worker.once('exit', () => resolve(undefined));
    });
  };

  const stop = async (exitCode: number) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    const exited = workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) resolve();
          else worker.process.once('exit', () => resolve());
        }),
    );
    for (const worker of workers) worker.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, settings.shutdownGraceMs);
    await Promise.all(exited);
    clearTimeout(timer);
    process.exit(exitCode);
  };
  const onSignal = (signal: string) => {
    if (stopping) return;
    log(`${signal}: the workers finish their in-flight requests, then stop`);
    void stop(0);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    // Before all workers are up, start-up itself reports a worker that stops.
    if (stopping || !started) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - settings.crashWindowMs) crashes.shift();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (crashes.length >= settings.maxCrashes) {
      log(
        `footnote: worker ${worker.id} (pid ${worker.process.pid}) ${how}, the ${crashes.length}th worker to stop within ${settings.crashWindowMs / 1000} s; stopping`,
      );
      void stop(1);
      return;
    }
    log(`worker ${worker.id} (pid ${worker.process.pid}) ${how}; starting a new one`);
    void fork();
  });

  const first = await fork();
  if (stopping) return;
  if (!first) {
    log('footnote: the first worker stopped before it served (its error is above)');
    await stop(1);
    return;
  }
  const { count, reason, warning } = chooseWorkerCount({
    requested: settings.workers,
    cores: settings.cores,
    workerRss: first.rss,
    availableMemory: settings.availableMemory(),
  });
  if (warning) log(`warning: ${warning}`);
  const rest = await Promise.all(Array.from({ length: count - 1 }, fork));
  if (stopping) return;
  started = true;
  const failed = rest.filter((ready) => ready === undefined).length;
  log(first.summary);
  log(
    `${count - failed} workers on one port: ${reason}${failed > 0 ? ` (${failed} stopped at start; see above)` : ''}`,
  );
}

/** Tells the primary that this worker is serving (does nothing outside a cluster). */
export function reportReady(ready: Omit<WorkerReady, 'footnote'>): void {
  process.send?.({ footnote: 'ready', ...ready } satisfies WorkerReady);
}

function isReady(message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as WorkerReady).footnote === 'ready';
}

function megabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}
