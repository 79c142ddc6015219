import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { percentile } from '../eval/index.js';
import { currentGeneration } from '../index/index.js';
import { filesUnder } from './files-under.js';
import { type ServerCommand, startServerProcess, stopProcess } from './server-process.js';

/** Server start times, spawn to the first `/api/health` 200. */
export interface StartMeasure {
  /** Fresh word-vector cache: converts the GloVe JSON first (the first start after `npm ci`). */
  firstAfterInstallMs: number;
  /** Page cache of the word vectors and the index dropped first (`dd iflag=nocache`), when possible. */
  coldMs: number;
  coldPageCacheDropped: boolean;
  /** Median of the warm starts. */
  warmMs: number;
  warmRunsMs: number[];
}

/** Starts the server over an index: once after install, once cold, then `warmRuns` times warm. */
export async function measureStarts(options: {
  server: ServerCommand;
  indexDirectory: string;
  port: number;
  /** The word-vector cache whose page cache the cold start drops. */
  cacheDirectory: string;
  warmRuns: number;
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

  log(`  ${options.warmRuns} warm starts`);
  const warmRunsMs: number[] = [];
  for (let run = 0; run < options.warmRuns; run++) {
    const warm = await startServerProcess(server, indexDirectory, port);
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
