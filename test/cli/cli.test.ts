import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/answer/index.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/footnote.js');

/** Runs the built CLI as a user would; never throws, returns the exit code and output. */
async function footnote(
  args: string[],
  environment: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], {
      env: { ...process.env, ...environment },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('footnote CLI', () => {
  let indexDirectory: string;
  let environment: Record<string, string>;

  beforeAll(async () => {
    indexDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-cli-'));
    environment = { FOOTNOTE_INDEX_DIR: indexDirectory, FOOTNOTE_EMBEDDER: 'glove' };
  });
  afterAll(() => fs.rm(indexDirectory, { recursive: true, force: true }));

  it('ingests the corpus, then says nothing changed on the second run', async () => {
    const first = await footnote(['ingest', 'corpus'], environment);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/0 unchanged, 5 added, 0 changed, 0 removed; indexed 5 files as \d+ chunks/);
    const second = await footnote(['ingest'], environment);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/5 unchanged, 0 added, 0 changed, 0 removed; index is up to date/);
  });

  it('answers with numbered footnotes giving file, line and quote', async () => {
    const result = await footnote(
      ['ask', 'Which Hamas leader was killed by the Israeli military?'],
      environment,
    );
    expect(result.code).toBe(0);
    const [answer, ...footnotes] = result.stdout.split('\n');
    expect(answer).toContain('Ahmed Jabari');
    expect(answer).toContain('[1]');
    expect(footnotes.join('\n')).toMatch(
      /\[1\] 002_c15813028621ca03\.txt, line 20 \(chars \d+-\d+\)\n {4}“Last week, as part of its Operation Pillar of Defense/,
    );
  });

  it('prints the API object with --json', async () => {
    const result = await footnote(
      ['ask', '--json', 'How many people died in Syria according to the UN?'],
      environment,
    );
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as Answer;
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain('2,700');
    expect(answer.citations[0]?.source).toBe('001_377b34821ee142f4.txt');
  });

  it('says when the corpus does not answer, and shows the closest passages as not an answer', async () => {
    const result = await footnote(['ask', 'How do I make a French omelette?'], environment);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^I couldn't find this in the corpus\.\n\nClosest passages \(not an answer\):/,
    );
  });

  it('exits 1 with one clear line for user errors, and shows help', async () => {
    const missing = await footnote(['ingest', 'no-such-folder'], environment);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^footnote: corpus directory .*no-such-folder does not exist/);
    const badEmbedder = await footnote(['ask', 'hello', '--embedder', 'word2vec'], environment);
    expect(badEmbedder.code).toBe(1);
    expect(badEmbedder.stderr).toMatch(/unknown embedder "word2vec"/);
    const unknown = await footnote(['frobnicate'], environment);
    expect(unknown.code).toBe(1);
    const help = await footnote(['ask', '--help'], environment);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: footnote ask \[options\] <question\.\.\.>/);
    expect(help.stdout).toContain('--json');
  });

  it('refuses to query an index built with another embedder, and says how to fix it', async () => {
    const result = await footnote(['ask', 'Who is Jen Psaki?'], {
      ...environment,
      FOOTNOTE_EMBEDDER: 'transformers:test-org/missing-model',
      FOOTNOTE_MODELS_DIR: indexDirectory,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /index was built with embedder glove-sg-100d but the server is using transformers:test-org\/missing-model; run `footnote ingest --rebuild`/,
    );
  });
});
