import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Generator } from '../../src/answer/index.js';
import { Engine } from '../../src/engine.js';
import { type AppOptions, createApp, type EngineHolder } from '../../src/server/index.js';
import { buildTestIndex, gloveEmbedder, REPO_ROOT, temporaryDirectory } from '../support/test-index.js';

export { CORPUS, REPO_ROOT } from '../support/test-index.js';

/** BBC News articles beside the repository (../shared, as in CI). */
export const BBC_ARTICLES = path.resolve(REPO_ROOT, '..', 'shared', 'datasets', 'bbc', 'articles');

/** A question the default corpus answers, and where the answer is. */
export const ANSWERED = {
  question: 'Which Hamas leader was killed by the Israeli military?',
  answerContains: 'Ahmed Jabari',
};

/** The real app over a real index of `corpusDirectory` (the default corpus unless given). */
export async function openApp(
  options: {
    corpusDirectory?: string;
    indexDirectory?: string;
    generator?: (extractive: Generator) => Generator;
  } & Partial<Omit<AppOptions, 'holder'>> = {},
): Promise<{
  app: ReturnType<typeof createApp>;
  engine: Engine;
  holder: EngineHolder;
  indexDirectory: string;
}> {
  const { corpusDirectory, indexDirectory: given, generator, ...appOptions } = options;
  const indexDirectory = given ?? (await buildTestIndex(corpusDirectory)).indexDirectory;
  const engine = await Engine.open({
    indexDirectory,
    embedder: gloveEmbedder(),
    ...(generator ? { generator } : {}),
  });
  const holder: EngineHolder = { engine };
  const app = createApp({ holder, log: () => {}, ...appOptions });
  return { app, engine, holder, indexDirectory };
}

/** POSTs a JSON value (or raw text) to the in-process app. */
export function postJson(
  app: { request: (input: string, init?: RequestInit, env?: unknown) => Response | Promise<Response> },
  route: string,
  body: unknown,
  headers: Record<string, string> = {},
  env?: unknown,
): Promise<Response> {
  return Promise.resolve(
    app.request(
      route,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      },
      env,
    ),
  );
}

/** What must never reach a client: stack frames, file system paths, runtime error names and messages. */
export const LEAK =
  /\bat \S+ \(|\bat file:|(?:\/(?:work|tmp|home|root|usr|var|proc)\/)|node_modules|\.[cm]?[jt]s:\d+|\b(?:Type|Syntax|Range|Reference)Error\b|Unexpected token|Unexpected end of JSON|Cannot read propert|undefined is not/;

/** Asserts a clean JSON error: the status, `{ error: { code, message } }` and no leaked internals. */
export async function expectError(
  response: Response,
  status: number,
  code?: string,
): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code) expect(body.error.code).toBe(code);
  expect(text).not.toMatch(LEAK);
  return body.error;
}

/** Copies the first `count` BBC articles (all categories) into a new temporary corpus. */
export async function bbcSample(count: number): Promise<string> {
  const directory = await temporaryDirectory('footnote-bbc-');
  const categories = (await fs.readdir(BBC_ARTICLES, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const perCategory = Math.ceil(count / categories.length);
  let copied = 0;
  for (const category of categories) {
    const files = (await fs.readdir(path.join(BBC_ARTICLES, category)))
      .filter((name) => name.endsWith('.txt'))
      .sort()
      .slice(0, perCategory);
    await fs.mkdir(path.join(directory, category));
    for (const file of files) {
      if (copied >= count) break;
      await fs.copyFile(path.join(BBC_ARTICLES, category, file), path.join(directory, category, file));
      copied += 1;
    }
  }
  return directory;
}

/** The built CLI, run in real child processes. */
export const BIN = path.join(REPO_ROOT, 'bin', 'footnote.js');
const children: ChildProcess[] = [];

/** Runs the built CLI; `onLine` sees every stderr line as it comes. */
export function footnote(
  args: string[],
  onLine: (line: string, child: ChildProcess) => void = () => {},
  environment: Record<string, string> = {},
): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      FOOTNOTE_EMBEDDER: 'glove',
      FOOTNOTE_API_KEY: '',
      FOOTNOTE_RATE_LIMIT: '',
      // One server process: these tests check its own behaviour (refusing connections the moment
      // SIGTERM arrives, /api/health after a refused generation); workers have test/cli/serve-workers.test.ts.
      FOOTNOTE_WORKERS: '1',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let stdout = '';
  let pending = '';
  child.stdout!.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr!.on('data', (data: Buffer) => {
    stderr += data.toString();
    pending += data.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line, child);
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
    stdout: string;
  }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
  return { child, exit };
}

/** Kills every CLI process `footnote()` started that is still running; call it in `afterEach`. */
export function killChildren(): void {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts `footnote serve` on a free port and waits until it listens. */
export async function startServe(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{
  url: string;
  child: ChildProcess;
  exit: ReturnType<typeof footnote>['exit'];
  stderr: () => string;
}> {
  let stderr = '';
  let resolveUrl: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  const run = footnote(
    ['serve', '--port', '0', ...args],
    (line) => {
      stderr += `${line}\n`;
      const match = /serving (http:\/\/\S+)/.exec(line);
      if (match) resolveUrl(match[1]!.replace('localhost', '127.0.0.1'));
    },
    environment,
  );
  const url = await Promise.race([
    listening,
    run.exit.then((exit) => Promise.reject(new Error(`serve exited early: ${exit.stderr}`))),
  ]);
  return { url, child: run.child, exit: run.exit, stderr: () => stderr };
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function truncate(file: string): Promise<void> {
  const { size } = await fs.stat(file);
  await fs.truncate(file, Math.floor(size / 2));
}

/** Flips every bit of one byte of `file` (the middle one unless `offset` is given). */
export async function flipByte(file: string, offset?: number): Promise<void> {
  const bytes = await fs.readFile(file);
  const at = offset ?? Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  await fs.writeFile(file, bytes);
}
