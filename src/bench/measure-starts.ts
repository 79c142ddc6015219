import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { percentile } from '../eval/index.js';
import { currentGeneration } from '../index/index.js';
import { filesUnder } from './files-under.js';
import { mainThreadCpuMs, treeCpuMs } from './measure-memory.js';
import { type ServerCommand, startServerProcess, stopProcess } from './server-process.js';

/** Warm starts, each followed by one question, so a start that defers work to it shows. */
export interface WarmStarts {
  /** Median of the warm starts (spawn to the first `/api/health` 200). */
  warmMs: number;
  warmRunsMs: number[];
  /**
   * Median CPU time (user + system, all threads) the server had used when it first answered
   * `/api/health`: less disturbed than wall time by other work on a shared machine. NaN off Linux.
   */
  cpuMs: number;
  cpuRunsMs: number[];
  /** The same for the server's main thread alone, which loads the index (the start's critical path). */
  mainThreadCpuMs: number;
  mainThreadCpuRunsMs: number[];
  /** Median time of the first `POST /api/ask` after each warm start, until its JSON is read. */
  firstAskMs: number;
  firstAskRunsMs: number[];
}

/**
 * Starts the server over an index `runs` times right after each other (its files in the page
 * cache), each time asking `question` once it is healthy.
 */
export async function measureWarmStarts(options: {
  server: ServerCommand;
  indexDirectory: string;
  port: number;
  runs: number;
  question: string;
}): Promise<WarmStarts> {
  const warmRunsMs: number[] = [];
  const cpuRunsMs: number[] = [];
  const mainThreadCpuRunsMs: number[] = [];
  const firstAskRunsMs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const warm = await startServerProcess(options.server, options.indexDirectory, options.port);
    try {
      cpuRunsMs.push(treeCpuMs(warm.child.pid));
      mainThreadCpuRunsMs.push(mainThreadCpuMs(warm.child.pid));
      warmRunsMs.push(warm.ms);
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${options.port}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: options.question }),
      });
      await response.json();
      if (response.status !== 200) throw new Error(`the first /api/ask answered ${response.status}`);
      firstAskRunsMs.push(performance.now() - started);
    } finally {
      await stopProcess(warm.child);
    }
  }
  return {
    warmMs: percentile(warmRunsMs, 50) ?? 0,
    warmRunsMs,
    cpuMs: percentile(cpuRunsMs, 50) ?? Number.NaN,
    cpuRunsMs,
    mainThreadCpuMs: percentile(mainThreadCpuRunsMs, 50) ?? Number.NaN,
    mainThreadCpuRunsMs,
    firstAskMs: percentile(firstAskRunsMs, 50) ?? 0,
    firstAskRunsMs,
  };
}

/** Server start times, spawn to the first `/api/health` 200. */
export interface StartMeasure extends WarmStarts {
  /** Fresh word-vector cache: converts the GloVe JSON first (the first start after `npm ci`). */
  firstAfterInstallMs: number;
  /** Page cache of the word vectors and the index dropped first (`dd iflag=nocache`), when possible. */
  coldMs: number;
  coldPageCacheDropped: boolean;
}

/** Starts the server over an index: once after install, once cold, then `warmRuns` times warm. */
export async function measureStarts(options: {
  server: ServerCommand;
  indexDirectory: string;
  port: number;
  /** The word-vector cache whose page cache the cold start drops. */
  cacheDirectory: string;
  warmRuns: number;
  /** Asked once after each warm start. */
  question: string;
  log: (line: string) => void;
}): Promise<StartMeasure> {
  const { server, indexDirectory, port, log } = options;
  const freshCache = await mkdtemp(path.join(os.tmpdir(), 'footnote-bench-vectors-'));
  let firstAfterInstallMs: number;
  try {
    log('  first start after install (fresh word-vector cache, converts the GloVe JSON)');
    const first = await startServerProcess(server, indexDirectory, port, { FOOTNOTE_CACHE_DIR: freshCache });
    firstAfterInstallMs = first.ms;
    await stopProcess(first.child);
  } finally {
    await rm(freshCache, { recursive: true, force: true });
  }

  log('  cold start (page cache of the word vectors and the index dropped)');
  const generation = currentGeneration(indexDirectory);
  const files = [
    ...(await filesUnder(options.cacheDirectory)),
    ...(generation ? await filesUnder(path.join(indexDirectory, generation)) : []),
  ];
  const coldPageCacheDropped =
    files.length > 0 &&
    files.every(
      (file) => spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0,
    );
  const cold = await startServerProcess(server, indexDirectory, port);
  await stopProcess(cold.child);

  log(`  ${options.warmRuns} warm starts, each with a first question`);
  const warm = await measureWarmStarts({
    server,
    indexDirectory,
    port,
    runs: options.warmRuns,
    question: options.question,
  });
  return { firstAfterInstallMs, coldMs: cold.ms, coldPageCacheDropped, ...warm };
}
