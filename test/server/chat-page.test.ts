import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, mountChatPage } from '../../src/server/index.js';

describe('mountChatPage', () => {
  let directory: string;
  let app: Hono;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'footnote-page-files-'));
    await writeFile(
      path.join(directory, 'index.html'),
      '<!doctype html><title>Footnote</title><script type="module" src="/app-ABCD1234.js"></script>',
    );
    await writeFile(path.join(directory, 'app-ABCD1234.js'), 'console.log("page");');
    await writeFile(path.join(directory, 'styles-ABCD1234.css'), 'body{}');
    await writeFile(path.join(directory, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // A bare app, so the headers checked are the page's own, not the API's middleware.
    app = new Hono();
    mountChatPage(app, { directory });
    app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no route' } }, 404));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('serves index.html at / with a policy that allows only its own scripts, revalidated on every load', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<title>Footnote</title>');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('etag')).toMatch(/^".+"$/);
  });

  it('answers 304 when the browser already has the file', async () => {
    const first = await app.request('/');
    const again = await app.request('/', { headers: { 'If-None-Match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves content-hashed files as immutable with their content type', async () => {
    const script = await app.request('/app-ABCD1234.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('console.log("page");');
    const styles = await app.request('/styles-ABCD1234.css');
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await app.request('/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves nothing outside its folder and leaves unknown names to the other routes', async () => {
    for (const url of [
      '/..%2Fpackage.json',
      '/%2e%2e%2fpackage.json',
      '/.hidden.js',
      '/missing.js',
      '/index.php',
    ]) {
      const response = await app.request(url);
      expect(response.status, url).toBe(404);
      expect(await response.json(), url).toEqual({ error: { code: 'not_found', message: 'no route' } });
    }
  });

  it('says how to build the page when it is missing, and leaves the API working', async () => {
    const api = createApp({
      holder: {},
      log: () => {},
      extend: (routes) => mountChatPage(routes, { directory: path.join(directory, 'not-built') }),
    });
    const page = await api.request('/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
    const health = await api.request('/api/health');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'no_index' });
  });
});
