import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestIndex, temporaryDirectory } from '../support/test-index.js';
import { ANSWERED, killChildren, LEAK, REPO_ROOT, footnote as runFootnote } from './helpers.js';

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

describe('bad flags and environment variables are refused up front', () => {
  afterEach(killChildren);

  it.each([
    [
      'FOOTNOTE_RATE_LIMIT=abc',
      ['ask', ANSWERED.question],
      { FOOTNOTE_RATE_LIMIT: 'abc' },
      /^footnote: FOOTNOTE_RATE_LIMIT must be a whole number of requests per minute, 0 for no limit \(got "abc"\)$/,
    ],
    [
      'PORT=70000',
      ['serve'],
      { PORT: '70000' },
      /^footnote: PORT must be a port number from 0 to 65535 \(got "70000"\)$/,
    ],
    [
      'FOOTNOTE_REQUEST_TIMEOUT_MS=-5',
      ['serve'],
      { FOOTNOTE_REQUEST_TIMEOUT_MS: '-5' },
      /^footnote: FOOTNOTE_REQUEST_TIMEOUT_MS must be a positive number of milliseconds/,
    ],
    [
      'FOOTNOTE_GENERATOR=gpt',
      ['ask', ANSWERED.question],
      { FOOTNOTE_GENERATOR: 'gpt' },
      /^footnote: FOOTNOTE_GENERATOR must be extractive or llm \(got "gpt"\)$/,
    ],
    [
      'FOOTNOTE_LLM_TIMEOUT_MS=soon',
      ['ask', ANSWERED.question],
      { FOOTNOTE_LLM_TIMEOUT_MS: 'soon' },
      /^footnote: FOOTNOTE_LLM_TIMEOUT_MS must be a positive number/,
    ],
    [
      '--port 99999',
      ['serve', '--port', '99999'],
      {},
      /^error: option '--port <port>' argument '99999' is invalid\. expected a port number from 0 to 65535, got "99999"$/,
    ],
  ])(
    '%s: exit 1 with one clear line, before any ingest',
    async (_name, args, environment, message) => {
      const corpus = await temporaryDirectory('footnote-unread-');
      const run = await runFootnote([...args, '--index-dir', indexDirectory], () => {}, {
        FOOTNOTE_CORPUS_DIR: corpus,
        ...environment,
      }).exit;
      expect(run.code, run.stderr).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      expect(lines.filter((line) => !line.startsWith('(run with --help'))).toHaveLength(1);
      expect(run.stderr).not.toMatch(LEAK);
      expect(run.stderr).not.toMatch(/internal error|reading|indexed/);
    },
    30_000,
  );

  it('serve on a port in use: one line, exit 1, and the corpus is not ingested first', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const corpus = await temporaryDirectory('footnote-unread-');
      const run = await runFootnote([
        'serve',
        '--port',
        String(port),
        '--corpus',
        corpus,
        '--index-dir',
        indexDirectory,
      ]).exit;
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trim()).toBe(
        `footnote: port ${port} on 127.0.0.1 is already in use; stop the other server or pick another port with --port (or PORT)`,
      );
    } finally {
      busy.close();
    }
  }, 30_000);
});

describe('file names that try to forge output lines', () => {
  afterEach(killChildren);

  it('are escaped in warnings: every line of ingest output is a real one', async () => {
    const corpus = await temporaryDirectory('footnote-names-');
    await fs.writeFile(
      path.join(corpus, 'article.txt'),
      'A real article about the river town of Pellwick.\n',
    );
    const forged = [
      'evil\nwarning: skipped shadow: forged.txt',
      'x\r\n99 unchanged, 0 added, 0 changed, 0 removed; index is up to date.txt',
      'bell\u0007\u001b[2Jcleared.txt',
    ];
    for (const name of forged) await fs.writeFile(path.join(corpus, name), '');
    const run = await runFootnote([
      'ingest',
      corpus,
      '--index-dir',
      await temporaryDirectory('footnote-names-index-'),
    ]).exit;
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toContain('warning: skipped evil\\nwarning: skipped shadow: forged.txt: empty file');
    expect(lines).toContain(
      'warning: skipped x\\r\\n99 unchanged, 0 added, 0 changed, 0 removed; index is up to date.txt: empty file',
    );
    expect(lines).toContain('warning: skipped bell\\u0007\\u001b[2Jcleared.txt: empty file');
    expect(lines.filter((line) => line.startsWith('warning: skipped shadow'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('99 unchanged'))).toEqual([]);
    for (const control of ['\u0007', '\u001b', '\r']) expect(run.stderr).not.toContain(control);
  }, 30_000);
});
