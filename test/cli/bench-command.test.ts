import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runScaleBench } from '../../src/bench/index.js';
import { FileStoreProvider } from '../../src/store/index.js';
import { CORPUS, gloveEmbedder, temporaryDirectory } from '../support/test-index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BBC_ARTICLES = path.resolve(ROOT, '..', 'shared', 'datasets', 'bbc', 'articles');

function footnote(
  args: string[],
  environment: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'footnote.js'), ...args],
      { cwd: ROOT, env: { ...process.env, ...environment } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const made: string[] = [];
afterAll(async () => {
  for (const directory of made) await rm(directory, { recursive: true, force: true });
});

describe('footnote bench', () => {
  it('exits 1 with one line naming the missing dataset and the flag that fixes it', async () => {
    const result = await footnote(['bench', '--datasets', path.join(ROOT, 'no-such-datasets')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: benchmark dataset .*no-such-datasets\/bbc\/articles not found; pass .* with --datasets$/,
      ),
    ]);
  });

  it('--starts-only without BBC articles exits 1 with one line', async () => {
    const result = await footnote([
      'bench',
      '--starts-only',
      '--datasets',
      path.join(ROOT, 'no-such-datasets'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: no BBC articles under .*no-such-datasets\/bbc\/articles; pass .*--datasets$/,
      ),
    ]);
  });

  it('--starts-only builds the BBC index once, then times each warm start and the first answer after it', async () => {
    // Three BBC articles stand in for the 2,225: the same layout, the same code path.
    const datasets = await temporaryDirectory('footnote-datasets-');
    const state = await temporaryDirectory('footnote-state-');
    made.push(datasets, state);
    await mkdir(path.join(datasets, 'bbc', 'articles', 'business'), { recursive: true });
    for (const name of ['001.txt', '002.txt', '003.txt'])
      await cp(
        path.join(BBC_ARTICLES, 'business', name),
        path.join(datasets, 'bbc', 'articles', 'business', name),
      );
    const run = () =>
      footnote(['bench', '--starts-only', '--starts', '2', '--datasets', datasets], {
        FOOTNOTE_INDEX_DIR: state,
      });

    const first = await run();
    expect(first.stderr).toContain('2 warm starts on the BBC index');
    expect(first.code).toBe(0);
    const row = (name: string) => {
      const line = first.stdout.split('\n').find((candidate) => candidate.startsWith(`| ${name}`));
      expect(line, name).toBeDefined();
      const [, , median, runs] = line!.split('|').map((cell) => cell.trim());
      return { median: Number(median?.replace(/[ ,ms]/g, '')), runs: runs!.split(', ') };
    };
    const start = row('warm start');
    const ask = row('first `POST /api/ask`');
    expect(start.runs).toHaveLength(2);
    expect(ask.runs).toHaveLength(2);
    expect(start.median).toBeGreaterThan(0);
    expect(ask.median).toBeGreaterThan(0);
    // CPU time read from /proc when the server first answered: all threads, and its main thread.
    const cpu = row('server CPU');
    const mainThread = row('of which its main thread');
    expect(cpu.runs).toHaveLength(2);
    expect(mainThread.median).toBeGreaterThan(0);
    expect(cpu.median).toBeGreaterThanOrEqual(mainThread.median);
    expect(first.stdout).toMatch(/^Target warm start ≤ 1\.5 s: (met|\*\*missed\*\*)\.$/m);

    // The second run finds the index up to date and embeds nothing.
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('index is up to date');
  });
  it('--scale exits 1 with one line for a missing BBC folder or a --store that is not Postgres', async () => {
    const missing = await footnote(['bench', '--scale', '--datasets', path.join(ROOT, 'no-such-datasets')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: benchmark dataset .*no-such-datasets\/bbc\/articles not found; pass .* with --datasets$/,
      ),
    ]);
    const store = await footnote(['bench', '--scale', '--store', 'file']);
    expect(store.code).toBe(1);
    expect(store.stderr.trim()).toBe(
      'footnote: --store must be a postgres://… URL (the file store is always measured)',
    );
  });

  it('--scale loads one and two workers over real HTTP and reports throughput, CPU per request and memory', async () => {
    // A BBC-shaped folder (<category>/<number>.txt) made of the test corpus.
    const datasets = await temporaryDirectory('footnote-scale-bench-');
    made.push(datasets);
    const articles = path.join(datasets, 'bbc', 'articles');
    await mkdir(path.join(articles, 'news'), { recursive: true });
    const files = (await readdir(CORPUS)).filter((name) => name.endsWith('.txt')).sort();
    for (const [index, file] of files.entries())
      await copyFile(path.join(CORPUS, file), path.join(articles, 'news', `${index + 1}.txt`));
    const indexDirectory = path.join(datasets, 'index');
    const results = await runScaleBench({
      bbcDirectory: articles,
      indexDirectory,
      embedder: gloveEmbedder(),
      fileStore: new FileStoreProvider(indexDirectory),
      server: { bin: path.join(ROOT, 'bin', 'footnote.js'), environment: process.env },
      connections: 4,
      duration: 1,
      repeats: 1,
    });
    expect(results.measures.map(({ store, servers, workers }) => [store, servers, workers])).toEqual([
      ['file', 1, 1],
      ['file', 1, 2],
    ]);
    for (const measure of results.measures) {
      expect(measure.runs).toHaveLength(1);
      expect(measure.medianRequestsPerSecond).toBeGreaterThan(0);
      expect(measure.runs[0]!.non2xx + measure.runs[0]!.errors).toBe(0);
      expect(measure.cpuMsPerRequest).toBeGreaterThan(0);
    }
    // Two workers each hold the index: more memory than one process.
    expect(results.measures[1]!.rssMb).toBeGreaterThan(results.measures[0]!.rssMb * 1.5);
  }, 120_000);
});
