import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { PostgresStoreProvider } from '../../src/store/index.js';

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
