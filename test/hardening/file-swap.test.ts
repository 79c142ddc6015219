import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestCorpus, readCorpusFile } from '../../src/ingest/index.js';
import { gloveEmbedder, temporaryDirectory } from '../support/test-index.js';
import { expectError, openApp } from './helpers.js';

/**
 * A corpus file swapped, between the walk that lists it and the read, for a symbolic link to a
 * secret, a FIFO, or a directory swapped for a link elsewhere. The swap happens in the `onListed`
 * hook, which ingest awaits after listing and before opening anything: the race, made certain.
 */

const SECRET = 'root:x:0:0:root:/root:/bin/bash\n';
const fifos: string[] = [];

/** Creates a FIFO; remembered so that a reader stuck on it (without the fix) can be released. */
function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
  fifos.push(file);
}

afterEach(() => {
  // Opening a FIFO for writing and closing it gives a blocked reader end-of-file. It is done by a
  // child process because blocked readers would hold every thread of this process's pool.
  for (const file of fifos.splice(0))
    spawnSync('dd', ['if=/dev/null', `of=${file}`, 'oflag=nonblock', 'conv=notrunc', 'status=none']);
});

/** A corpus with ordinary articles, a folder, and a secret outside it. */
async function corpusWithSecret(): Promise<{ corpus: string; outside: string }> {
  const corpus = await fs.realpath(await temporaryDirectory('footnote-swap-corpus-'));
  const outside = await fs.realpath(await temporaryDirectory('footnote-swap-outside-'));
  await fs.writeFile(path.join(outside, 'passwd.txt'), SECRET);
  await fs.writeFile(
    path.join(corpus, 'lanterns.txt'),
    'Lantern festival\n\nThe lantern festival of Pellwick was founded in 1987 by Marguerite Okonjo.\n',
  );
  await fs.writeFile(path.join(corpus, 'notes.txt'), 'Harmless notes about the river town of Pellwick.\n');
  await fs.mkdir(path.join(corpus, 'sub'));
  await fs.writeFile(path.join(corpus, 'sub', 'passwd.txt'), 'An ordinary article named passwd.\n');
  for (let index = 0; index < 6; index += 1)
    await fs.writeFile(path.join(corpus, `queue-${index}.txt`), `Queue article number ${index}.\n`);
  return { corpus, outside };
}

/** Swaps, after listing: notes.txt for a link to the secret, sub/ for a link to the outside folder, six files for FIFOs. */
async function swapAfterListing(corpus: string, outside: string): Promise<void> {
  await fs.rm(path.join(corpus, 'notes.txt'));
  await fs.symlink(path.join(outside, 'passwd.txt'), path.join(corpus, 'notes.txt'));
  await fs.rm(path.join(corpus, 'sub'), { recursive: true });
  await fs.symlink(outside, path.join(corpus, 'sub'));
  // More FIFOs than Node's four thread-pool threads: blocking reads of them would stall all file I/O.
  for (let index = 0; index < 6; index += 1) {
    await fs.rm(path.join(corpus, `queue-${index}.txt`));
    mkfifo(path.join(corpus, `queue-${index}.txt`));
  }
}

function expectSwapWarnings(warnings: string[]): void {
  expect(warnings).toContain('skipped notes.txt: it is a symbolic link');
  expect(warnings).toContain('skipped sub/passwd.txt: it resolves outside the corpus directory');
  for (let index = 0; index < 6; index += 1)
    expect(warnings).toContain(`skipped queue-${index}.txt: not a regular file (FIFO)`);
}

describe('readCorpusFile', () => {
  it('reads a regular file inside the root', async () => {
    const { corpus } = await corpusWithSecret();
    const read = await readCorpusFile(corpus, path.join(corpus, 'lanterns.txt'));
    expect(read.ok && read.bytes.toString()).toContain('Marguerite Okonjo');
  });

  it('refuses a symbolic link, a FIFO, a socket and a device, each by name, without blocking', async () => {
    const { corpus, outside } = await corpusWithSecret();
    await fs.symlink(path.join(outside, 'passwd.txt'), path.join(corpus, 'link.txt'));
    mkfifo(path.join(corpus, 'pipe.txt'));
    const socketPath = path.join(corpus, 'socket.txt');
    const server = net.createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect(await readCorpusFile(corpus, path.join(corpus, 'link.txt'))).toEqual({
        ok: false,
        reason: 'it is a symbolic link',
      });
      expect(await readCorpusFile(corpus, path.join(corpus, 'pipe.txt'))).toEqual({
        ok: false,
        reason: 'not a regular file (FIFO)',
      });
      expect(await readCorpusFile(corpus, socketPath)).toEqual({
        ok: false,
        reason: 'not a regular file (socket)',
      });
      expect(await readCorpusFile('/dev', '/dev/zero')).toEqual({
        ok: false,
        reason: 'not a regular file (character device)',
      });
    } finally {
      server.close();
    }
  });

  it('refuses a file over the size limit from the opened handle', async () => {
    const { corpus } = await corpusWithSecret();
    expect(await readCorpusFile(corpus, path.join(corpus, 'lanterns.txt'), { maxBytes: 10 })).toEqual({
      ok: false,
      reason: '1 KB is over the 1 KB limit',
    });
  });

  it('gives up on a read that outlasts its time limit', async () => {
    const { corpus } = await corpusWithSecret();
    expect(await readCorpusFile(corpus, path.join(corpus, 'lanterns.txt'), { timeoutMs: 0 })).toEqual({
      ok: false,
      reason: 'reading took longer than 0 s',
    });
  });
});

describe('a file swapped between listing and reading', () => {
  it('ingest skips the link, the re-pointed folder and the FIFOs with named warnings, and finishes', async () => {
    const { corpus, outside } = await corpusWithSecret();
    const indexDirectory = await temporaryDirectory('footnote-swap-index-');
    const report = await ingestCorpus({
      corpusDirectory: corpus,
      indexDirectory,
      embedder: gloveEmbedder(),
      onListed: () => swapAfterListing(corpus, outside),
    });
    expectSwapWarnings(report.warnings);
    expect(report.added).toEqual(['lanterns.txt']);
    // The thread pool is free: ordinary file reads still complete at once.
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => fs.readFile(path.join(outside, 'passwd.txt'))));
    expect(performance.now() - started).toBeLessThan(1000);
  }, 30_000);

  it('POST /api/ingest answers, and GET /api/sources/:id never serves the secret', async () => {
    const { corpus, outside } = await corpusWithSecret();
    const indexDirectory = await temporaryDirectory('footnote-swap-index-');
    await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder: gloveEmbedder() });
    // The files change so that the next ingest reads them again; then they are swapped mid-ingest.
    for (const name of [
      'notes.txt',
      'sub/passwd.txt',
      ...Array.from({ length: 6 }, (_, i) => `queue-${i}.txt`),
    ])
      await fs.appendFile(path.join(corpus, name), 'Edited.\n');
    const { app, engine } = await openApp({
      indexDirectory,
      reingest: async () => {
        const report = await ingestCorpus({
          corpusDirectory: corpus,
          indexDirectory,
          embedder: gloveEmbedder(),
          onListed: () => swapAfterListing(corpus, outside),
        });
        await engine.reload();
        return report;
      },
    });
    const response = await app.request('/api/ingest', { method: 'POST' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { warnings: string[]; removed: string[] };
    expectSwapWarnings(body.warnings);
    const listing = (await (await app.request('/api/sources')).json()) as {
      sources: Array<{ id: string; source: string }>;
    };
    expect(listing.sources.map((source) => source.source)).toEqual(['lanterns.txt']);
    for (const { id } of listing.sources) {
      const text = await (await app.request(`/api/sources/${id}`)).text();
      expect(text).not.toContain('root:x:0:0');
    }
    await expectError(await app.request('/api/sources/0123456789abcdef'), 404, 'not_found');
  }, 30_000);
});
