/**
 * A PDF citation in a real browser (Debian's Chromium via playwright-core) against the real
 * server: the original page is drawn by pdf.js, served from the app's own origin under its
 * `script-src 'self'` policy, and the text marked in the page's text layer is the quote.
 * Screenshots go to test-artifacts/pdf-citation/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';
import { createApp, mountChatPage, startServer } from '../../src/server/index.js';
import { LEASE_TITLE, RENT_SENTENCE, SKIPPED_FILES, writeSampleFolder } from '../support/sample-documents.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_DIRECTORY = path.resolve('dist/page');
const ARTIFACTS = path.resolve('test-artifacts/pdf-citation');
const HAS_CHROMIUM = existsSync(CHROMIUM);

describe.skipIf(!HAS_CHROMIUM)('a PDF citation in Chromium', () => {
  let temporary: string;
  let server: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(PAGE_DIRECTORY, 'index.html')))
      throw new Error('dist/page is not built; run `npm run build` (npm test does it first)');
    temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-pdf-page-'));
    const corpusDirectory = path.join(temporary, 'corpus');
    await writeSampleFolder(corpusDirectory);
    const embedder = chooseEmbedder({ embedder: 'glove' });
    const indexDirectory = path.join(temporary, 'index');
    await ingestCorpus({ corpusDirectory, indexDirectory, embedder });
    const engine = await Engine.open({ indexDirectory, embedder });
    const app = createApp({
      holder: { engine },
      log: () => {},
      access: { rateLimit: 0 },
      reingest: () => ingestCorpus({ corpusDirectory, indexDirectory, embedder }),
      extend: (routes) => mountChatPage(routes, { directory: PAGE_DIRECTORY }),
    });
    server = await startServer(app, { port: 0, log: () => {} });
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('request', (request) => requests.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (temporary) await rm(temporary, { recursive: true, force: true });
  });

  it('lists the PDF by its title, with the file name and page beside it', async () => {
    await page.goto(server.url);
    await page.locator('#question').fill('What is the monthly rent?');
    await page.locator('#question').press('Enter');
    const exchange = page.locator('.exchange').first();
    await exchange.locator('.answer-actions').waitFor();
    await expect(exchange.locator('.answer-text').textContent()).resolves.toContain('1,250 pounds');
    const first = exchange.locator('.source-list .source-item').first();
    await expect(first.locator('.source-title').textContent()).resolves.toBe(LEASE_TITLE);
    await expect(first.locator('.file-name').textContent()).resolves.toBe('lease.pdf');
    await expect(first.locator('.source-meta').textContent()).resolves.toBe('p. 2');
  });

  it('opens footnote [1] on the rendered page with the quote marked in the text layer', async () => {
    const exchange = page.locator('.exchange').first();
    await exchange.locator('.answer-text button.cite[data-footnote="1"]').click();
    const panel = page.locator('#source-panel');
    await expect(panel.locator('.panel-meta').textContent()).resolves.toMatch(
      /^Page 2 · characters \d+–\d+$/,
    );
    await panel.locator('.pdf-view canvas.pdf-canvas').waitFor();
    await panel.locator('.pdf-view .textLayer mark.pdf-mark').first().waitFor();

    const quote = await page.evaluate(
      () =>
        JSON.parse(localStorage.getItem('footnote:conversation')!).exchanges[0].citations[0].quote as string,
    );
    expect(quote).toBe(RENT_SENTENCE);
    const marked = await panel.locator('.pdf-view .textLayer mark.pdf-mark').allTextContents();
    // The page sets the sentence on three lines with "ad-" / "vance": the marks hold exactly its
    // characters (the hyphen at the break is not part of the quote, so it is not marked).
    expect(marked.length).toBeGreaterThanOrEqual(3);
    expect(marked.join('').replace(/\s+/g, '')).toBe(quote.replace(/\s+/g, ''));
    expect(marked[0]).toBe('The monthly rent is 1,250 pounds, payable in ad');

    // The canvas really has the page drawn on it (not blank), and the marks sit over the canvas.
    const inked = await panel.locator('.pdf-view canvas.pdf-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const context = canvas.getContext('2d')!;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let dark = 0;
      for (let index = 0; index < data.length; index += 4) if (data[index]! < 128) dark++;
      return dark;
    });
    expect(inked).toBeGreaterThan(500);
    const canvasBox = (await panel.locator('.pdf-view canvas.pdf-canvas').boundingBox())!;
    const markBox = (await panel.locator('.pdf-view mark.pdf-mark').first().boundingBox())!;
    expect(markBox.x).toBeGreaterThanOrEqual(canvasBox.x);
    expect(markBox.y).toBeGreaterThanOrEqual(canvasBox.y);
    expect(markBox.y + markBox.height).toBeLessThanOrEqual(canvasBox.y + canvasBox.height);
    await panel.locator('.pdf-view mark.pdf-mark').first().scrollIntoViewIfNeeded();
    await page.screenshot({
      path: path.join(ARTIFACTS, '01-pdf-page-highlight.png'),
      animations: 'disabled',
    });

    // pdf.js and its worker came from the app's own origin, and nothing broke the policy.
    const origin = new URL(server.url).origin;
    expect(
      requests.every((url) => url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')),
    ).toBe(true);
    expect(requests.some((url) => /\/pdf-worker-[A-Z0-9]{8}\.js$/.test(url))).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((message) => /Content Security Policy|Refused/.test(message))).toEqual([]);
  });

  it('switches to the extracted text, with the quote marked there, and back', async () => {
    const panel = page.locator('#source-panel');
    await panel.locator('.pdf-toggle').click();
    await expect(panel.locator('.pdf-view').isHidden()).resolves.toBe(true);
    await expect(panel.locator('.source-text mark').textContent()).resolves.toBe(RENT_SENTENCE);
    await page.screenshot({
      path: path.join(ARTIFACTS, '02-pdf-extracted-text.png'),
      animations: 'disabled',
    });
    await panel.locator('.pdf-toggle').click();
    await expect(panel.locator('.pdf-view').isVisible()).resolves.toBe(true);
  });

  it('names every skipped file, with the count, in the corpus panel after a re-ingest', async () => {
    await page.keyboard.press('Escape');
    await page.locator('#corpus-button').click();
    const dialog = page.locator('#corpus-dialog');
    await dialog.locator('.file-list').waitFor();
    const lease = dialog.locator('.file-list li', { hasText: 'lease.pdf' });
    await expect(lease.locator('.file-title').textContent()).resolves.toBe(LEASE_TITLE);
    await expect(lease.locator('.file-meta').textContent()).resolves.toContain('3 pages');
    await dialog.locator('#reingest').click();
    await expect
      .poll(() => dialog.locator('#reingest-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Done in [\d.]+ s: 0 added, 0 changed, 0 removed, 5 unchanged, 9 skipped\./);
    const warnings = await dialog.locator('.ingest-warnings li').allTextContents();
    expect(warnings).toHaveLength(Object.keys(SKIPPED_FILES).length);
    for (const [file, reason] of Object.entries(SKIPPED_FILES))
      expect(
        warnings.some((line) => line.startsWith(`skipped ${file}: ${reason}`)),
        file,
      ).toBe(true);
    await page.screenshot({
      path: path.join(ARTIFACTS, '03-corpus-skipped-files.png'),
      animations: 'disabled',
    });
  });
});
