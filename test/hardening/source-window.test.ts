import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestCorpus } from '../../src/ingest/index.js';
import { MAX_SOURCE_WINDOW_CHARS, SOURCE_CONTEXT_CHARS } from '../../src/server/schemas.js';
import { gloveEmbedder, temporaryDirectory } from '../support/test-index.js';
import { openApp } from './helpers.js';

/**
 * `GET /api/sources/:id` sends a bounded window of a long source, never the whole text: 60 clients
 * asking for a 19.5 MB source took the server from 1 GB to 4.5 GB when every answer held all of it.
 */

type App = Awaited<ReturnType<typeof openApp>>['app'];
interface SourceWindow {
  text: string;
  window: { start: number; end: number };
  length: number;
  next?: number;
  span?: { start: number; end: number; text: string; line: number };
}

let app: App;
let id: string;
let full: string;

beforeAll(async () => {
  const corpus = await temporaryDirectory('footnote-long-');
  const paragraphs = Array.from(
    { length: 3_000 },
    (_, index) => `Paragraph ${index} of the ledger records shipment number ${index * 7} to the harbour.`,
  );
  full = `Harbour ledger\n\n${paragraphs.join('\n\n')}\n`;
  await fs.writeFile(path.join(corpus, 'ledger.txt'), full);
  const indexDirectory = await temporaryDirectory('footnote-index-');
  await ingestCorpus({ corpusDirectory: corpus, indexDirectory, embedder: gloveEmbedder() });
  ({ app } = await openApp({ indexDirectory, corpusDirectory: corpus }));
  const listing = (await (await app.request('/api/sources')).json()) as { sources: Array<{ id: string }> };
  id = listing.sources[0]!.id;
}, 120_000);

async function get(query: string): Promise<SourceWindow> {
  const response = await app.request(`/api/sources/${id}?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SourceWindow;
}

describe('GET /api/sources/:id on a long source', () => {
  it('sends a window around the span, with its offsets, not the whole text', async () => {
    expect(full.length).toBeGreaterThan(200_000);
    const start = full.indexOf('Paragraph 1500 ');
    const end = full.indexOf('\n', start);
    const body = await get(`start=${start}&end=${end}`);
    expect(body.length).toBe(full.length);
    expect(body.window).toEqual({ start: start - SOURCE_CONTEXT_CHARS, end: end + SOURCE_CONTEXT_CHARS });
    expect(body.text).toBe(full.slice(body.window.start, body.window.end));
    expect(body.text.length).toBeLessThan(end - start + 2 * SOURCE_CONTEXT_CHARS + 1);
    expect(body.span?.text).toBe(full.slice(start, end));
    expect(body.text.slice(start - body.window.start, end - body.window.start)).toBe(body.span?.text);
  });

  it('pages through the whole text with offset and limit', async () => {
    let offset: number | undefined = 0;
    let text = '';
    let pages = 0;
    while (offset !== undefined) {
      const body: SourceWindow = await get(`offset=${offset}&limit=50000`);
      expect(body.window.start).toBe(offset);
      expect(body.text.length).toBeLessThanOrEqual(50_000);
      text += body.text;
      offset = body.next;
      pages++;
    }
    expect(text).toBe(full);
    expect(pages).toBe(Math.ceil(full.length / 50_000));
  });

  it('without a span or a page, sends the first window and where to go next', async () => {
    const body = await get('');
    expect(body.window).toEqual({ start: 0, end: MAX_SOURCE_WINDOW_CHARS });
    expect(body.next).toBe(MAX_SOURCE_WINDOW_CHARS);
  });

  it('refuses a span or a page larger than the window, and a span mixed with a page', async () => {
    for (const query of [
      `start=0&end=${MAX_SOURCE_WINDOW_CHARS + 1}`,
      `offset=0&limit=${MAX_SOURCE_WINDOW_CHARS + 1}`,
      'start=0&end=10&offset=0',
      `offset=${full.length + 1}`,
    ]) {
      const response = await app.request(`/api/sources/${id}?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
  });
});
