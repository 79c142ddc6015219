import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScaleBench } from '../../src/bench/index.js';
import { FileStoreProvider } from '../../src/store/index.js';
import { CORPUS, gloveEmbedder, temporaryDirectory } from '../support/test-index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('footnote bench', () => {
  const bench = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin', 'footnote.js'), 'bench', ...args],
        { cwd: ROOT },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('exits 1 with one line naming the missing dataset and the flag that fixes it', async () => {
    for (const scale of [[], ['--scale']]) {
      const result = await bench([...scale, '--datasets', path.join(ROOT, 'no-such-datasets')]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          /^footnote: benchmark dataset .*no-such-datasets\/bbc\/articles not found; pass .* with --datasets$/,
        ),
      ]);
    }
    const store = await bench(['--scale', '--store', 'file']);
    expect(store.code).toBe(1);
    expect(store.stderr.trim()).toBe(
      'footnote: --store must be a postgres://… URL (the file store is always measured)',
    );
  });

  it('--scale loads one and two workers over real HTTP and reports throughput, CPU per request and memory', async () => {
    // A BBC-shaped folder (<category>/<number>.txt) made of the test corpus.
    const datasets = await temporaryDirectory('footnote-scale-bench-');
    const articles = path.join(datasets, 'bbc', 'articles');
    await mkdir(path.join(articles, 'news'), { recursive: true });
    const files = (await readdir(CORPUS)).filter((name) => name.endsWith('.txt')).sort();
    for (const [index, file] of files.entries())
      await copyFile(path.join(CORPUS, file), path.join(articles, 'news', `${index + 1}.txt`));
    const indexDirectory = path.join(datasets, 'index');
    try {
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
    } finally {
      await rm(datasets, { recursive: true, force: true });
    }
  }, 120_000);
});
