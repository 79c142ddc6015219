import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestIndex, REPO_ROOT, temporaryDirectory } from '../support/test-index.js';

/**
 * `footnote serve` loads only what serving needs: the evaluation and benchmark stages and the
 * libraries of ingest formats, Postgres and training stay off its start-up path (they made the
 * warm start on BBC 0.6 s slower; BENCHMARKS.md).
 */

let directory: string;
let indexDirectory: string;
let removeIndex: () => Promise<void>;

beforeAll(async () => {
  directory = await temporaryDirectory('footnote-start-path-');
  const built = await buildTestIndex();
  indexDirectory = built.indexDirectory;
  removeIndex = built.remove;
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await removeIndex();
});

/** Every module `footnote <args>` loaded before it printed `until`: ES modules and CommonJS ones. */
async function modulesLoaded(args: string[], until: string): Promise<string[]> {
  const log = path.join(directory, `loaded-${args[0]}.txt`);
  const loader = path.join(directory, 'record-loads.mjs');
  await writeFile(
    loader,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}`,
  );
  const hook = path.join(directory, 'hook.mjs');
  await writeFile(
    hook,
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(loader).href)});
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n') + '\\n'));`,
  );
  await writeFile(log, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, 'bin/footnote.js', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, FOOTNOTE_RATE_LIMIT: '0', FOOTNOTE_API_KEY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(until)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${until}":\n${stderr}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return (await readFile(log, 'utf8')).split('\n').filter((line) => line.length > 0);
}

describe('footnote serve start-up', () => {
  it('answers from the index without loading eval, bench, ingest-format, Postgres or training libraries', async () => {
    const loaded = await modulesLoaded(
      [
        'serve',
        '--workers',
        '1',
        '--port',
        '0',
        '--no-ingest',
        '--embedder',
        'glove',
        '--index-dir',
        indexDirectory,
      ],
      'Footnote is serving',
    );
    // The serving path itself was recorded (so an empty list cannot pass).
    expect(loaded.some((module) => module.includes('/dist/server/'))).toBe(true);
    expect(loaded.some((module) => module.includes('/dist/index/bm25-lexical-index.js'))).toBe(true);
    for (const kept of [
      '/dist/bench/',
      '/dist/eval/',
      '/dist/plot/',
      '/node_modules/pg/',
      '/node_modules/htmlparser2/',
      '/node_modules/ml-matrix/',
      '/node_modules/csv-parse/',
      '/node_modules/pdfjs-dist/',
      '/node_modules/mammoth/',
      '/node_modules/rate-limiter-flexible/',
      '/node_modules/cli-progress/',
      // The BM25 index is Footnote's own since format 6; MiniSearch is only the tests' reference.
      '/node_modules/minisearch/',
    ])
      expect(
        loaded.filter((module) => module.includes(kept)),
        kept,
      ).toEqual([]);
  });
});
