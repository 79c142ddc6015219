/**
 * The chat page in a real browser (Debian's Chromium driven by playwright-core) against the real
 * server: real index of the default corpus, real GloVe embedder, real HTTP. Screenshots of every
 * step go to test-artifacts/chat-page/.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { type IngestReport, ingestCorpus } from '../../src/ingest/index.js';
import { createApp, type EngineHolder, mountChatPage, startServer } from '../../src/server/index.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_DIRECTORY = path.resolve('dist/page');
const ARTIFACTS = path.resolve('test-artifacts/chat-page');
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM)
  console.warn(
    `chat page browser tests skipped: ${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`)`,
  );

const XSS_FILE = 'markup-note.txt';
const SCRIPT_TEXT = '<script>alert(1)</script>';
const IMG_TEXT = '<img src=x onerror="window.__xss=1">';
const XSS_TEXT = `Markup shown as text: ${SCRIPT_TEXT}

The zebra sanctuary newsletter printed the snippet ${IMG_TEXT} by mistake in its spring issue.

The zebra sanctuary keeps eleven zebras and two donkeys on the old farm near the river.
`;

const FIRST_QUESTION = 'Which Hamas leader was killed by the Israeli military?';
const FOLLOW_UP = 'What did Hamas say about the attack?';
const UNANSWERABLE = 'What is the capital of Australia?';
const XSS_QUESTION = 'What did the zebra sanctuary newsletter print by mistake?';

interface Running {
  url: string;
  close: () => Promise<void>;
}

async function serve(
  holder: EngineHolder,
  access: { apiKey?: string } = {},
  reingest?: () => Promise<IngestReport>,
): Promise<Running> {
  const app = createApp({
    holder,
    log: () => {},
    access: { rateLimit: 0, ...access },
    ...(reingest ? { reingest } : {}),
    extend: (routes) => mountChatPage(routes, { directory: PAGE_DIRECTORY }),
  });
  const { url, close } = await startServer(app, { port: 0, log: () => {} });
  return { url, close };
}

describe.skipIf(!HAS_CHROMIUM)('chat page in Chromium', () => {
  let temporary: string;
  let corpusText: string;
  let server: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(PAGE_DIRECTORY, 'index.html')))
      throw new Error('dist/page is not built; run `npm run build` (npm test does it first)');
    temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-page-'));
    const corpusDirectory = path.join(temporary, 'corpus');
    await cp('corpus', corpusDirectory, { recursive: true });
    await writeFile(path.join(corpusDirectory, XSS_FILE), XSS_TEXT);
    corpusText = await readFile(path.join('corpus', '002_c15813028621ca03.txt'), 'utf8');
    const embedder = chooseEmbedder({ embedder: 'glove' });
    await ingestCorpus({ corpusDirectory, indexDirectory: path.join(temporary, 'index'), embedder });
    const engine = await Engine.open({ indexDirectory: path.join(temporary, 'index'), embedder });
    server = await serve({ engine });
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (temporary) await rm(temporary, { recursive: true, force: true });
  });

  const shot = (name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
  const exchanges = () => page.locator('.exchange');

  /** Types a question, sends it with Enter and waits until its answer (or failure) is complete. */
  async function ask(question: string): Promise<Locator> {
    const before = await exchanges().count();
    await page.locator('#question').fill(question);
    await page.locator('#question').press('Enter');
    const exchange = exchanges().nth(before);
    await exchange.locator('.answer-actions, .failure').first().waitFor();
    return exchange;
  }

  it('serves the page with a policy that forbids inline and external script, and little JavaScript', async () => {
    const scripts: number[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        void response.body().then((body) => scripts.push(body.length));
    });
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(200);
    const policy = response?.headers()['content-security-policy'] ?? '';
    const scriptSource = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
    expect(scriptSource.trim()).toBe("'self'");
    await expect.poll(() => page.locator('#corpus-summary').textContent()).toMatch(/6 files/);
    await expect.poll(() => scripts.length).toBeGreaterThan(0);
    expect(scripts.reduce((sum, size) => sum + size, 0)).toBeLessThan(100 * 1024);
    await expect(page.locator('#empty-state').isVisible()).resolves.toBe(true);
    await shot('01-empty-wide-light');
  });

  it('streams an answer with footnotes from /api/chat', async () => {
    // Hold the response back for a moment so the waiting state is visible, then let it through.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/chat', async (route) => {
      await held;
      await route.continue();
    });
    await page.locator('#question').fill(FIRST_QUESTION);
    const response = page.waitForResponse('**/api/chat');
    await page.locator('#question').press('Enter');
    const exchange = exchanges().first();
    await expect.poll(() => exchange.locator('.progress').textContent()).toContain('Searching the corpus');
    await expect(page.locator('#send').getAttribute('aria-label')).resolves.toBe('Stop the answer');
    await shot('02-streaming-indicator');
    release();
    expect((await response).headers()['content-type']).toContain('text/event-stream');
    await page.unroute('**/api/chat');
    await exchange.locator('.answer-actions').waitFor();

    await expect(exchange.locator('.question').textContent()).resolves.toBe(FIRST_QUESTION);
    await expect(exchange.locator('.answer-text').textContent()).resolves.toContain('Jabari');
    const footnotes = exchange.locator('.answer-text button.cite');
    expect(await footnotes.count()).toBeGreaterThanOrEqual(1);
    await expect(footnotes.first().textContent()).resolves.toBe('1');
    await expect(exchange.locator('.source-list .file-name').first().textContent()).resolves.toBe(
      '002_c15813028621ca03.txt',
    );
    await expect(exchange.locator('.answer.not-found').count()).resolves.toBe(0);
    await shot('03-answer-wide-light');
  });

  it('opens footnote [1] beside the answer with the cited span highlighted in its file', async () => {
    const exchange = exchanges().first();
    await exchange.locator('.answer-text button.cite[data-footnote="1"]').click();
    const panel = page.locator('#source-panel');
    await panel.locator('mark').waitFor();
    await expect(panel.locator('.panel-file').textContent()).resolves.toContain('002_c15813028621ca03.txt');
    await expect(panel.locator('.panel-headline').textContent()).resolves.toBe(
      'Road to Reset? Clinton and Lavrov map out goals',
    );
    await expect(panel.locator('.panel-meta').textContent()).resolves.toMatch(
      /^Line 20 · characters \d+–\d+$/,
    );

    const quote = await page.evaluate(
      () =>
        JSON.parse(localStorage.getItem('footnote:conversation')!).exchanges[0].citations[0].quote as string,
    );
    expect(quote).toContain('Jabari');
    await expect(panel.locator('mark').textContent()).resolves.toBe(quote);
    // The surrounding text is the file's own text, and the mark is where the quote is in it.
    const shownText = (await panel.locator('.source-text').textContent()) ?? '';
    expect(shownText).toBe(corpusText);

    // Beside the answer on a wide screen, and the mark scrolled into the visible part of the panel.
    const panelBox = (await panel.boundingBox())!;
    const answerBox = (await exchange.locator('.answer').boundingBox())!;
    expect(panelBox.x).toBeGreaterThanOrEqual(answerBox.x + answerBox.width - 1);
    const bodyBox = (await panel.locator('.panel-body').boundingBox())!;
    const markBox = (await panel.locator('mark').boundingBox())!;
    expect(markBox.y).toBeGreaterThanOrEqual(bodyBox.y);
    expect(markBox.y + markBox.height).toBeLessThanOrEqual(bodyBox.y + bodyBox.height);
    await expect(exchange.locator('button.cite.is-open').count()).resolves.toBe(1);
    await shot('04-source-panel-wide-light');

    // Escape closes it and gives focus back to the footnote.
    await page.keyboard.press('Escape');
    await expect(panel.isHidden()).resolves.toBe(true);
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-footnote'))).resolves.toBe(
      '1',
    );
  });

  it('sends the conversation so far with a follow-up question', async () => {
    const request = page.waitForRequest('**/api/chat');
    const exchange = await ask(FOLLOW_UP);
    const body = (await request).postDataJSON() as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[0]!.content).toBe(FIRST_QUESTION);
    expect(body.messages[1]!.content).toContain('Jabari');
    expect(body.messages[2]!.content).toBe(FOLLOW_UP);
    await expect(exchange.locator('.answer-text').textContent()).resolves.toContain('gates of hell');
    await shot('05-follow-up-wide-light');
  });

  it('shows a question the corpus does not answer as not found, with the closest passages marked as not an answer', async () => {
    const exchange = await ask(UNANSWERABLE);
    await expect(exchange.locator('.answer').getAttribute('class')).resolves.toContain('not-found');
    await expect(exchange.locator('.answer-label').textContent()).resolves.toBe('Not found in the corpus');
    await expect(exchange.locator('.answer-text button.cite').count()).resolves.toBe(0);
    await expect(exchange.locator('.closest .section-title').textContent()).resolves.toContain(
      'not an answer',
    );
    expect(await exchange.locator('.closest .source-item').count()).toBeGreaterThan(0);
    await exchange.locator('.closest .source-item').first().click();
    await page.locator('#source-panel mark.passage-mark').waitFor();
    await expect(page.locator('#source-panel .not-answer').textContent()).resolves.toBe('not an answer');
    await shot('06-not-found-wide-light');
    await page.keyboard.press('Escape');
  });

  it('shows markup from a corpus file as text and runs none of it', async () => {
    const exchange = await ask(XSS_QUESTION);
    await expect(exchange.locator('.source-list .file-name').first().textContent()).resolves.toBe(XSS_FILE);
    await expect(exchange.locator('.answer-text').textContent()).resolves.toContain(
      '<img src=x onerror="window.',
    );
    await exchange.locator('.answer-text button.cite').first().click();
    const panel = page.locator('#source-panel');
    await panel.locator('mark').waitFor();
    await expect(panel.locator('.panel-headline').textContent()).resolves.toBe(
      `Markup shown as text: ${SCRIPT_TEXT}`,
    );
    await expect(panel.locator('.source-text').textContent()).resolves.toBe(XSS_TEXT);
    await expect(panel.locator('.source-text').textContent()).resolves.toContain(IMG_TEXT);
    await shot('07-markup-as-text-wide-light');
    await page.keyboard.press('Escape');

    await page.locator('#corpus-button').click();
    await page.locator('#corpus-dialog .file-list').waitFor();
    await expect(page.locator('#corpus-dialog').textContent()).resolves.toContain(SCRIPT_TEXT);
    await expect(page.locator('#corpus-dialog .facts').textContent()).resolves.toContain('glove-sg-100d');
    await shot('08-corpus-panel-wide-light');
    await page.keyboard.press('Escape');

    await expect(
      page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss),
    ).resolves.toBeUndefined();
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(1);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('copies an answer with its footnotes as text', async () => {
    await exchanges().first().locator('.answer-actions button').click();
    await expect
      .poll(() => exchanges().first().locator('.answer-actions button').textContent())
      .toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/Jabari[^\n]*\[1\]/);
    expect(copied).toMatch(/\n\[1\] 002_c15813028621ca03\.txt, line 20: “Last week/);
  });

  it('finds the conversation again after a reload', async () => {
    const count = await exchanges().count();
    await page.reload();
    await expect.poll(() => exchanges().count()).toBe(count);
    await expect(exchanges().first().locator('.answer-text').textContent()).resolves.toContain('Jabari');
    await expect(exchanges().nth(2).locator('.answer-label').textContent()).resolves.toBe(
      'Not found in the corpus',
    );
    await expect(page.locator('#empty-state').isHidden()).resolves.toBe(true);
    await shot('09-after-reload-wide-light');
  });

  it('shows a lost connection in the conversation and answers on retry', async () => {
    await page.route('**/api/chat', (route) => route.abort('connectionreset'));
    const exchange = await ask('How many zebras does the sanctuary keep?');
    await expect(exchange.locator('.failure-title').textContent()).resolves.toBe('Lost the connection');
    await expect(exchange.locator('.failure').getAttribute('role')).resolves.toBe('alert');
    await shot('10-lost-connection-wide-light');
    await page.unroute('**/api/chat');
    await exchange.locator('.failure button', { hasText: 'Retry' }).click();
    await exchange.locator('.answer-actions').waitFor();
    await expect(exchange.locator('.failure').count()).resolves.toBe(0);
    await expect(exchange.locator('.answer-text').textContent()).resolves.toContain('eleven zebras');
  });

  it('keeps Shift+Enter as a new line and works from the keyboard', async () => {
    let requests = 0;
    const count = (request: { url: () => string }) => {
      if (request.url().endsWith('/api/chat')) requests++;
    };
    page.on('request', count);
    await page.locator('#question').fill('first line');
    await page.locator('#question').press('Shift+Enter');
    await page.keyboard.type('second line');
    await expect(page.locator('#question').inputValue()).resolves.toBe('first line\nsecond line');
    expect(requests).toBe(0);
    page.off('request', count);
    await page.locator('#question').fill('');

    // The last footnote of the first answer (an answer quotes one sentence, or more when they add to it).
    const footnotes = exchanges().first().locator('button.cite');
    const last = await footnotes.count();
    expect(last).toBeGreaterThan(0);
    await footnotes.nth(last - 1).focus();
    await page.keyboard.press('Enter');
    await page.locator('#source-panel mark').waitFor();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('panel-title');
    await expect(page.locator('#source-panel .panel-position').textContent()).resolves.toBe(
      `${last} of ${last}`,
    );
    await page.keyboard.press('Escape');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-footnote'))).resolves.toBe(
      String(last),
    );
  });

  it('looks finished on a phone and on a wide screen, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [name, viewport] of [
        ['narrow', { width: 390, height: 844 }],
        ['wide', { width: 1400, height: 900 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.locator('#scroller').evaluate((element) => (element.scrollTop = 0));
        await shot(`11-conversation-${name}-${colorScheme}`);
        await exchanges().first().locator('button.cite[data-footnote="1"]').click();
        await page.locator('#source-panel mark').waitFor();
        const panel = (await page.locator('#source-panel').boundingBox())!;
        expect(panel.width).toBeLessThanOrEqual(viewport.width);
        // Nothing overflows the screen sideways.
        await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(
          viewport.width,
        );
        await shot(`12-source-panel-${name}-${colorScheme}`);
        await page.keyboard.press('Escape');
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('starts a new chat that stays empty after a reload', async () => {
    await page.locator('#new-chat').click();
    await expect(exchanges().count()).resolves.toBe(0);
    await expect(page.locator('#empty-state').isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('question');
    await page.reload();
    await page.locator('#empty-state').waitFor();
    await expect(exchanges().count()).resolves.toBe(0);
  });

  it('explains that there is no index, and answers once the corpus is ingested from the corpus panel', async () => {
    const holder: EngineHolder = {};
    const embedder = chooseEmbedder({ embedder: 'glove' });
    const indexDirectory = path.join(temporary, 'ingested-later');
    const empty = await serve(holder, {}, async () => {
      const report = await ingestCorpus({
        corpusDirectory: path.join(temporary, 'corpus'),
        indexDirectory,
        embedder,
      });
      holder.engine = await Engine.open({ indexDirectory, embedder });
      return report;
    });
    try {
      const other = await context.newPage();
      await other.goto(empty.url);
      await other.locator('#banner .banner-title').waitFor();
      await expect(other.locator('#banner .banner-title').textContent()).resolves.toBe('No index yet');
      await expect(other.locator('#corpus-summary').textContent()).resolves.toBe('No index');
      await other.locator('#question').fill(FIRST_QUESTION);
      await other.locator('#question').press('Enter');
      await other.locator('.failure').waitFor();
      await expect(other.locator('.failure-title').textContent()).resolves.toBe(
        'There is no index to answer from',
      );
      await other.screenshot({
        path: path.join(ARTIFACTS, '13-no-index-wide-light.png'),
        animations: 'disabled',
      });

      await other.locator('#banner button', { hasText: 'Open corpus' }).click();
      await other.locator('#reingest').click();
      await expect
        .poll(() => other.locator('#reingest-status').textContent(), { timeout: 30_000 })
        .toMatch(/^Done in [\d.]+ s: 6 added, 0 changed, 0 removed, 0 unchanged\.$/);
      await expect.poll(() => other.locator('#corpus-dialog .file-list li').count()).toBe(6);
      await other.screenshot({
        path: path.join(ARTIFACTS, '13b-reingested-wide-light.png'),
        animations: 'disabled',
      });
      await other.keyboard.press('Escape');
      await expect(other.locator('#banner').isHidden()).resolves.toBe(true);
      await expect(other.locator('#corpus-summary').textContent()).resolves.toBe('6 files');
      await other.locator('.failure button', { hasText: 'Retry' }).click();
      await other.locator('.answer-actions').waitFor();
      await expect(other.locator('.answer-text').textContent()).resolves.toContain('Jabari');
      await other.close();
    } finally {
      await empty.close();
    }
  });

  it('asks once for the API key when the server wants one and sends it on every request', async () => {
    const engine = await Engine.open({
      indexDirectory: path.join(temporary, 'index'),
      embedder: chooseEmbedder({ embedder: 'glove' }),
    });
    const guarded = await serve({ engine }, { apiKey: 'correct-horse-battery' });
    try {
      const other = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const authorizations: Array<string | undefined> = [];
      other.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/'))
          authorizations.push(request.headers().authorization);
      });
      await other.goto(guarded.url);
      await other.locator('#key-dialog[open]').waitFor();
      await other.screenshot({
        path: path.join(ARTIFACTS, '14-api-key-narrow-light.png'),
        animations: 'disabled',
      });
      await other.locator('#key-input').fill('wrong-key');
      await other.locator('#key-input').press('Enter');
      await expect
        .poll(() => other.locator('#key-message').textContent())
        .toContain('did not accept that key');
      await other.locator('#key-input').fill('correct-horse-battery');
      await other.locator('#key-input').press('Enter');
      await expect.poll(() => other.locator('#corpus-summary').textContent()).toMatch(/6 files/);
      await other.locator('#question').fill(FIRST_QUESTION);
      await other.locator('#question').press('Enter');
      await other.locator('.answer-actions').waitFor();
      await expect(other.locator('.answer-text').textContent()).resolves.toContain('Jabari');
      await expect(other.locator('#key-dialog[open]').count()).resolves.toBe(0);
      const last = authorizations.at(-1);
      expect(last).toBe('Bearer correct-horse-battery');
      expect(authorizations.filter((value) => value === undefined).length).toBeLessThanOrEqual(2);
      await other.close();
    } finally {
      await guarded.close();
    }
  });

  it('keeps its screenshots as test artifacts', async () => {
    expect((await stat(path.join(ARTIFACTS, '04-source-panel-wide-light.png'))).size).toBeGreaterThan(10_000);
  });
});
