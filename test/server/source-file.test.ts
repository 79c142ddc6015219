/**
 * GET /api/sources/:id/file (the original PDF the page draws) and the skipped-file count of
 * POST /api/ingest, on the real app with a real index of generated PDF and Word files.
 */
import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { createApp } from '../../src/server/index.js';
import { SKIPPED_FILES, writeSampleFolder } from '../support/sample-documents.js';

let temporary: string;
let corpusDirectory: string;
let app: Hono;
let engine: Engine;

beforeAll(async () => {
  temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-source-file-'));
  corpusDirectory = path.join(temporary, 'corpus');
  await writeSampleFolder(corpusDirectory);
  const embedder = chooseEmbedder({ embedder: 'glove' });
  const indexDirectory = path.join(temporary, 'index');
  const reingest = () => ingestCorpus({ corpusDirectory, indexDirectory, embedder });
  await reingest();
  engine = await Engine.open({ indexDirectory, embedder });
  app = createApp({ holder: { engine }, log: () => {}, access: { rateLimit: 0 }, reingest });
});
afterAll(() => rm(temporary, { recursive: true, force: true }));

const idOf = (name: string) => engine.store.manifest.files[name]!.id;

describe('GET /api/sources/:id/file', () => {
  it('serves the indexed PDF byte for byte, inline, under a sandboxing policy', async () => {
    const response = await app.request(`/api/sources/${idOf('lease.pdf')}/file`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    const served = Buffer.from(await response.arrayBuffer());
    expect(served.equals(await readFile(path.join(corpusDirectory, 'lease.pdf')))).toBe(true);
  });

  it('offers a Word file as a download, never as a page', async () => {
    const response = await app.request(`/api/sources/${idOf('handbook.docx')}/file`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('answers 404 JSON for an id that is not an indexed source', async () => {
    for (const id of ['0123456789abcdef', '..%2F..%2Fetc%2Fpasswd', 'lease.pdf']) {
      const response = await app.request(`/api/sources/${id}/file`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('refuses a file that changed, or became a link, after it was indexed', async () => {
    const bikes = path.join(corpusDirectory, 'bikes.md');
    const id = idOf('bikes.md');
    await writeFile(bikes, '# Bicycle storage\n\nChanged after indexing.\n');
    let response = await app.request(`/api/sources/${id}/file`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /changed or gone/,
    );
    await unlink(bikes);
    await symlink('/etc/hostname', bikes);
    response = await app.request(`/api/sources/${id}/file`);
    expect(response.status).toBe(404);
    await unlink(bikes);
  });
});

describe('POST /api/ingest', () => {
  it('counts the skipped files and names each in a warning', async () => {
    const response = await app.request('/api/ingest', { method: 'POST' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { skipped: number; warnings: string[] };
    expect(body.skipped).toBe(Object.keys(SKIPPED_FILES).length);
    for (const [file, reason] of Object.entries(SKIPPED_FILES))
      expect(
        body.warnings.filter((line) => line.startsWith(`skipped ${file}: ${reason}`)),
        file,
      ).toHaveLength(1);
  });
});
