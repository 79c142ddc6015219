import { createServer, type Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Extensions, PGlite } from '@electric-sql/pglite';
import { pg_textsearch } from '@electric-sql/pglite-pg_textsearch';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { ExclusiveSessionQueue } from './exclusive-session-queue.js';

/** The extensions the Postgres store needs, by the name `CREATE EXTENSION` uses. */
const EXTENSIONS: Extensions = { vector, pg_textsearch };

/** Options of {@link startPgliteServer}. */
export interface PgliteServerOptions {
  /** PGlite's data directory. @default undefined (in memory) */
  dataDir?: string;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Connections served at once; more are refused. @default 16 */
  maxConnections?: number;
  /** Extensions to load, of `vector` and `pg_textsearch`. @default ['vector', 'pg_textsearch'] */
  extensions?: readonly string[];
}

/** A running {@link startPgliteServer}. */
export interface PgliteServer {
  /** The port it listens on. */
  port: number;
  /** A connection string for it. */
  url: string;
  /** Closes the listener and every connection, then PGlite. */
  close: () => Promise<void>;
}

/**
 * Footnote's Postgres-protocol test server: PGlite (Postgres in WASM) over TCP through
 * pglite-socket's connection handler, with {@link ExclusiveSessionQueue} in place of
 * pglite-socket's own queue so that connections sharing PGlite's one session cannot interleave
 * inside each other's extended-protocol groups (see that class). `.ci/run`, `npm run db:test` and
 * the tests' `startDatabase` all start it (run as a script it prints `listening on HOST:PORT`).
 */
export async function startPgliteServer(options: PgliteServerOptions = {}): Promise<PgliteServer> {
  const { host = '127.0.0.1', maxConnections = 16, extensions = ['vector', 'pg_textsearch'] } = options;
  const chosen: Extensions = {};
  for (const name of extensions) {
    const extension = EXTENSIONS[name];
    if (!extension)
      throw new Error(`unknown extension ${name}; known: ${Object.keys(EXTENSIONS).join(', ')}`);
    chosen[name] = extension;
  }
  const db = new PGlite({ dataDir: options.dataDir, extensions: chosen });
  await db.waitReady;
  // The handler's option is typed as pglite-socket's unexported queue class; ours has its methods.
  const queryQueue = new ExclusiveSessionQueue(db) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket) => {
    if (handlers.size >= maxConnections) {
      socket.end('Too many connections\n');
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch(() => {
      handlers.delete(handler);
      socket.destroy();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    url: `postgres://postgres@${host}:${port}/postgres`,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      await closed;
      await db.close();
    },
  };
}

/** `node --import tsx test/support/pglite-server.ts [--db=DIR] [--port=N] [--host=H] [--max-connections=N] [--extensions=a,b]` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'max-connections': { type: 'string', default: '16' },
      extensions: { type: 'string', default: 'vector,pg_textsearch' },
    },
  });
  const server = await startPgliteServer({
    dataDir: values.db,
    host: values.host,
    port: Number(values.port),
    maxConnections: Number(values['max-connections']),
    extensions: values.extensions.split(',').filter((name) => name !== ''),
  });
  console.log(`PGlite server listening on ${values.host}:${server.port}`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`PGlite server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
