import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FootnoteError } from '../../src/errors.js';
import { currentGeneration, FORMAT_VERSION, loadIndex } from '../../src/index/index.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { buildTestIndex } from '../support/test-index.js';
import { ANSWERED, CORPUS, flipByte, footnote, killChildren, startServe, waitFor } from './helpers.js';

/**
 * A damaged index is refused before any parser reads it: the native HNSW reader crashed the
 * process (SIGSEGV) on one flipped header byte, and `dimensions: -1` in the manifest ran V8 out
 * of memory. At start that is a one-line error; in a running server, a damaged new generation is
 * refused, logged and shown in /api/health while the previous one keeps serving.
 */

/** Byte 4 of vectors.hnsw is inside its level-0 offset; flipping it made hnswlib segfault. */
const HNSW_CRASH_OFFSET = 4;

afterEach(killChildren);

async function generationOf(indexDirectory: string): Promise<string> {
  return path.join(indexDirectory, currentGeneration(indexDirectory)!);
}

/** Rewrites manifest.json with `edit` applied; with `resign`, also writes a matching manifest.sha256. */
async function editManifest(
  generation: string,
  edit: (manifest: { embedder: { dimensions: number }; formatVersion: number }) => void,
  resign: boolean,
): Promise<void> {
  const file = path.join(generation, 'manifest.json');
  const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as {
    embedder: { dimensions: number };
    formatVersion: number;
  };
  edit(manifest);
  const text = JSON.stringify(manifest, null, 2);
  await fs.writeFile(file, text);
  if (resign)
    await fs.writeFile(
      path.join(generation, 'manifest.sha256'),
      createHash('sha256').update(text).digest('hex'),
    );
}

async function loadError(indexDirectory: string): Promise<FootnoteError> {
  const error = await loadIndex(indexDirectory).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FootnoteError);
  expect((error as FootnoteError).code).toBe('index_corrupt');
  return error as FootnoteError;
}

describe('checksums are verified before any parser sees a file', () => {
  it('a flipped header byte in vectors.hnsw is index_corrupt, not a crash', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    await flipByte(path.join(await generationOf(indexDirectory), 'vectors.hnsw'), HNSW_CRASH_OFFSET);
    expect((await loadError(indexDirectory)).message).toMatch(/vectors\.hnsw does not match its checksum/);
  });

  it('a flipped byte in the middle of manifest.json is caught by its own checksum', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    await flipByte(path.join(await generationOf(indexDirectory), 'manifest.json'));
    expect((await loadError(indexDirectory)).message).toMatch(/manifest\.json does not match its checksum/);
  });

  it('an index of the previous format is refused in one line that says to re-ingest, and an ingest rebuilds it', async () => {
    const { indexDirectory, embedder } = await buildTestIndex(CORPUS);
    await editManifest(
      await generationOf(indexDirectory),
      (manifest) => {
        manifest.formatVersion = FORMAT_VERSION - 1;
      },
      true,
    );
    expect((await loadError(indexDirectory)).message).toBe(
      `the index in ${indexDirectory} has format version ${FORMAT_VERSION - 1}, this Footnote reads version ${FORMAT_VERSION}; run \`footnote ingest --rebuild\``,
    );
    const report = await ingestCorpus({ corpusDirectory: CORPUS, indexDirectory, embedder });
    expect(report.rebuildReason).toBe('existing index unreadable');
    expect((await loadIndex(indexDirectory)).manifest.formatVersion).toBe(FORMAT_VERSION);
  });

  it('dimensions: -1 is refused by the manifest schema even with a matching checksum', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    await editManifest(
      await generationOf(indexDirectory),
      (manifest) => {
        manifest.embedder.dimensions = -1;
      },
      true,
    );
    expect((await loadError(indexDirectory)).message).toMatch(
      /manifest\.json is invalid: embedder\.dimensions .*; run `footnote ingest --rebuild`/,
    );
  });

  it('the CLI exits 1 with one line, not 139 or 134, for each of them', async () => {
    for (const damage of [
      async (generation: string) => flipByte(path.join(generation, 'vectors.hnsw'), HNSW_CRASH_OFFSET),
      async (generation: string) =>
        editManifest(
          generation,
          (manifest) => {
            manifest.embedder.dimensions = -1;
          },
          false,
        ),
    ]) {
      const { indexDirectory } = await buildTestIndex(CORPUS);
      await damage(await generationOf(indexDirectory));
      const run = await footnote(['ask', ANSWERED.question, '--index-dir', indexDirectory]).exit;
      expect(run.signal).toBeNull();
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^footnote: the index in .* is damaged \(.* does not match its checksum\)/);
    }
  }, 60_000);
});

describe('a damaged generation under a running server', () => {
  it('is refused with index_corrupt, logged and shown in /api/health, and the previous one keeps serving', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    const served = currentGeneration(indexDirectory)!;
    const server = await startServe(['--no-ingest', '--index-dir', indexDirectory]);
    const ask = () =>
      fetch(`${server.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: ANSWERED.question }),
      });
    const healthy = (await (await fetch(`${server.url}/api/health`)).json()) as { status: string };
    expect(healthy.status).toBe('ok');

    // A new generation appears with one flipped byte in its HNSW header, and CURRENT points to it.
    const damaged = await buildTestIndex(CORPUS);
    const generation = currentGeneration(damaged.indexDirectory)!;
    await fs.cp(path.join(damaged.indexDirectory, generation), path.join(indexDirectory, generation), {
      recursive: true,
    });
    await flipByte(path.join(indexDirectory, generation, 'vectors.hnsw'), HNSW_CRASH_OFFSET);
    await fs.writeFile(path.join(indexDirectory, 'CURRENT.tmp'), generation);
    await fs.rename(path.join(indexDirectory, 'CURRENT.tmp'), path.join(indexDirectory, 'CURRENT'));

    await waitFor(() => server.stderr().includes(`refused index generation ${generation}`), 10_000);
    expect(server.stderr()).toMatch(
      new RegExp(
        `warning: refused index generation ${generation}, still serving ${served}: .*vectors\\.hnsw does not match its checksum`,
      ),
    );
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    const status = (await health.json()) as { status: string; reason: { code: string; message: string } };
    expect(status.status).toBe('degraded');
    expect(status.reason.code).toBe('index_corrupt');
    expect(status.reason.message).toMatch(/vectors\.hnsw does not match its checksum/);
    expect(status.reason.message).not.toContain(indexDirectory);

    const answer = await ask();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { answer: string }).answer).toContain(ANSWERED.answerContains);
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGTERM');
    const exit = await server.exit;
    expect(exit.code).toBe(0);
  }, 60_000);
});
