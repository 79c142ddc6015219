import path from 'node:path';
import { loadGloveVectors } from '../src/embed/index.js';

/**
 * Converts the GloVe vectors to their binary cache once, before any test file needs them, and
 * says in one line when the Postgres store's tests will be skipped (the reporter shows only a count).
 */
export default async function setup(): Promise<void> {
  // Each vitest project imports this setup afresh, in one process: the environment remembers.
  if (!process.env.DATABASE_URL && !process.env.FOOTNOTE_TEST_POSTGRES_SKIP_SAID) {
    process.env.FOOTNOTE_TEST_POSTGRES_SKIP_SAID = '1';
    console.log(
      'DATABASE_URL is not set: the Postgres store tests are skipped; run `npm run db:test` and then `DATABASE_URL=postgres://postgres@127.0.0.1:5433/postgres npm test` to include them',
    );
  }
  await loadGloveVectors(path.resolve('node_modules/.cache/footnote'), (message) => console.log(message));
}
