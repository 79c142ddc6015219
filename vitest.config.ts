import { defineConfig } from 'vitest/config';

/**
 * Tests that spawn `footnote` processes, drive a browser or inject faults: seconds each. They form
 * the `slow` project; everything else is `fast`. `npm test` runs both; `npx vitest run --project
 * fast` runs the fast ones alone while working. A new test that spawns a process goes here.
 */
const SLOW = [
  'test/cli/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/hardening/cli-input.test.ts',
  'test/hardening/connection.test.ts',
  'test/hardening/faults.test.ts',
  'test/hardening/file-swap.test.ts',
  'test/hardening/index-integrity.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native addons (hnswlib, onnxruntime) are happiest in forked processes.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
