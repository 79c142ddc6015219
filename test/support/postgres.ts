import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresStoreProvider } from '../../src/store/index.js';
import { REPO_ROOT } from './test-index.js';

/** The Postgres-protocol test server (CI starts PGlite over TCP and sets it). */
export const DATABASE_URL = process.env.DATABASE_URL;

/**
 * `describe` when DATABASE_URL is set; otherwise one skipped test whose name says why, so a
 * run without a database shows what it left out.
 */
export function describePostgres(name: string, body: () => void): void {
  if (DATABASE_URL) describe(name, body);
  else
    describe(name, () => {
      it.skip('SKIPPED: DATABASE_URL is not set, so the Postgres store tests did not run (see .ci/run)', () => {});
    });
}

/** A provider over a fresh schema of the test database, and a function that drops it. */
export function freshPostgresStore(schema = `test_${randomBytes(5).toString('hex')}`): {
  schema: string;
  provider: PostgresStoreProvider;
  reopen: () => PostgresStoreProvider;
  remove: () => Promise<void>;
} {
  const url = DATABASE_URL!;
  return {
    schema,
    provider: new PostgresStoreProvider({ url, schema }),
    reopen: () => new PostgresStoreProvider({ url, schema }),
    remove: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/**
 * Footnote's PGlite test server (what `.ci/run` and `npm run db:test` start): PGlite over TCP
 * through pglite-socket, with a query queue that keeps each connection's extended-protocol
 * groups whole on PGlite's one session. pglite-socket's own `pglite-server` interleaves them, so
 * under load one connection's Bind could bind another's statement ("unnamed prepared statement
 * does not exist"); see `exclusive-session-queue.ts`. A real Postgres gives each connection its
 * own session and needs none of this.
 */
export const PGLITE_SERVER = path.join(REPO_ROOT, 'test/support/pglite-server.ts');

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PGlite server of the test's own, with pgvector and pg_textsearch (or the `extensions`
 * given, comma-separated), as `.ci/run` starts one; file-backed when `directory` is given (so it
 * can be killed and restarted with its data), in memory otherwise.
 */
export async function startDatabase(
  directory: string | undefined,
  port: number,
  extensions = 'vector,pg_textsearch',
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      PGLITE_SERVER,
      ...(directory === undefined ? [] : [`--db=${directory}`]),
      `--port=${port}`,
      '--max-connections=16',
      `--extensions=${extensions}`,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`PGlite did not start: ${output}`)), 90_000);
    const collect = (data: Buffer) => {
      output += data.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('exit', () => reject(new Error(`PGlite exited: ${output}`)));
  });
  return child;
}

/** Kills a database server started by `startDatabase` (SIGKILL: as if the machine went away). */
export async function stopDatabase(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
