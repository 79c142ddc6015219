import { defineConfig } from 'vitest/config';

/** `npm run test:load`: the load and soak tests, minutes long, kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/load/**/*.load.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
