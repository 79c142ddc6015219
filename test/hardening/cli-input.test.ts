import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestIndex } from '../support/test-index.js';
import { ANSWERED, LEAK, REPO_ROOT } from './helpers.js';

/** The CLI refuses bad input like the API does: exit 1, one line saying what is wrong, no stack. */

let indexDirectory: string;

beforeAll(async () => {
  ({ indexDirectory } = await buildTestIndex());
});

function footnote(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'footnote.js'), ...args, '--index-dir', indexDirectory],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, FOOTNOTE_EMBEDDER: 'glove' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('footnote ask with bad input', () => {
  it.each([
    ['a whitespace-only question', ['ask', '  \t '], /question must not be empty/],
    [
      'a question over 2,000 characters',
      ['ask', 'why '.repeat(600)],
      /question is longer than 2000 characters/,
    ],
    ['k = 0', ['ask', ANSWERED.question, '--k', '0'], /k must be at least 1/],
    ['k = 500', ['ask', ANSWERED.question, '--k', '500'], /k must be at most 20/],
    [
      'k that is not a number',
      ['ask', ANSWERED.question, '--k', 'many'],
      /expected a whole number, got "many"/,
    ],
  ])('%s exits 1 with one clear line', async (_name, args, message) => {
    const result = await footnote(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toMatch(message);
    expect(result.stderr).not.toMatch(LEAK);
  });

  it('a good question with k in range still answers', async () => {
    const result = await footnote(['ask', ANSWERED.question, '--k', '20']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(ANSWERED.answerContains);
  });
});
