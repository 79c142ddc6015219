import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context, Hono } from 'hono';

/** Where the built chat page is served from. */
export interface ChatPageOptions {
  /** The built page (`dist/page`, made by `scripts/build-page.mjs`). */
  directory: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Sent with every file of the page. Scripts and styles only from this server, no inline
 * script, no external origins; the page cannot be framed.
 */
export const CHAT_PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** esbuild's `[name]-[hash]` names: the content never changes under such a name. */
const HASHED_NAME = /-[A-Z0-9]{8}\.(?:js|css)(?:\.map)?$/;
/** Only flat file names with a known extension; no paths, no dot files. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/**
 * Serves the chat page: `/` is `index.html`, `/<file>` the other built files, with content
 * types, ETags (304 on `If-None-Match`), `immutable` caching for content-hashed files and
 * `no-cache` for the rest, and the security headers above. Unknown names fall through to the
 * app's other routes.
 *
 * @example mountChatPage(app, { directory: path.join(PACKAGE_ROOT, 'dist', 'page') })
 */
export function mountChatPage(app: Hono, options: ChatPageOptions): void {
  const directory = path.resolve(options.directory);
  const cache = new Map<string, CachedFile>();

  const load = async (name: string): Promise<CachedFile | undefined> => {
    const file = path.join(directory, name);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const cached = cache.get(name);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = new Uint8Array(await readFile(file));
    const entry = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
    cache.set(name, entry);
    return entry;
  };

  const respond = (c: Context, name: string, file: CachedFile): Response => {
    const headers: Record<string, string> = {
      ...CHAT_PAGE_SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      'Cache-Control': HASHED_NAME.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: file.etag,
    };
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(c.req.method === 'HEAD' ? null : file.body, {
      status: 200,
      headers: { ...headers, 'Content-Length': String(file.size) },
    });
  };

  app.get('/', async (c) => {
    const file = await load('index.html');
    if (!file) {
      return c.text(
        'The chat page is not built. Run `npm run build` (the API under /api/ works without it).',
        503,
        { ...CHAT_PAGE_SECURITY_HEADERS, 'Cache-Control': 'no-store' },
      );
    }
    return respond(c, 'index.html', file);
  });

  app.get('/:file', async (c, next) => {
    const name = c.req.param('file');
    if (!FILE_NAME.test(name) || !(path.extname(name) in CONTENT_TYPES)) return next();
    const file = await load(name);
    if (!file) return next();
    return respond(c, name, file);
  });
}
