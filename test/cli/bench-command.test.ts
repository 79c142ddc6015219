import { execFile } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../support/test-index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BBC_ARTICLES = path.resolve(ROOT, '..', 'shared', 'datasets', 'bbc', 'articles');

function footnote(
  args: string[],
  environment: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', 'footnote.js'), ...args],
      { cwd: ROOT, env: { ...process.env, ...environment } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const made: string[] = [];
afterAll(async () => {
  for (const directory of made) await rm(directory, { recursive: true, force: true });
});

describe('footnote bench', () => {
  it('exits 1 with one line naming the missing dataset and the flag that fixes it', async () => {
    const result = await footnote(['bench', '--datasets', path.join(ROOT, 'no-such-datasets')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: benchmark dataset .*no-such-datasets\/bbc\/articles not found; pass .* with --datasets$/,
      ),
    ]);
  });

  it('--starts-only without BBC articles exits 1 with one line', async () => {
    const result = await footnote([
      'bench',
      '--starts-only',
      '--datasets',
      path.join(ROOT, 'no-such-datasets'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: no BBC articles under .*no-such-datasets\/bbc\/articles; pass .*--datasets$/,
      ),
    ]);
  });

  it('--starts-only builds the BBC index once, then times each warm start and the first answer after it', async () => {
    // Three BBC articles stand in for the 2,225: the same layout, the same code path.
    const datasets = await temporaryDirectory('footnote-datasets-');
    const state = await temporaryDirectory('footnote-state-');
    made.push(datasets, state);
    await mkdir(path.join(datasets, 'bbc', 'articles', 'business'), { recursive: true });
    for (const name of ['001.txt', '002.txt', '003.txt'])
      await cp(
        path.join(BBC_ARTICLES, 'business', name),
        path.join(datasets, 'bbc', 'articles', 'business', name),
      );
    const run = () =>
      footnote(['bench', '--starts-only', '--starts', '2', '--datasets', datasets], {
        FOOTNOTE_INDEX_DIR: state,
      });

    const first = await run();
    expect(first.stderr).toContain('2 warm starts on the BBC index');
    expect(first.code).toBe(0);
    const row = (name: string) => {
      const line = first.stdout.split('\n').find((candidate) => candidate.startsWith(`| ${name}`));
      expect(line, name).toBeDefined();
      const [, , median, runs] = line!.split('|').map((cell) => cell.trim());
      return { median: Number(median?.replace(/[ ,ms]/g, '')), runs: runs!.split(', ') };
    };
    const start = row('warm start');
    const ask = row('first `POST /api/ask`');
    expect(start.runs).toHaveLength(2);
    expect(ask.runs).toHaveLength(2);
    expect(start.median).toBeGreaterThan(0);
    expect(ask.median).toBeGreaterThan(0);
    expect(first.stdout).toMatch(/^Target warm start ≤ 1\.5 s: (met|\*\*missed\*\*)\.$/m);

    // The second run finds the index up to date and embeds nothing.
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('index is up to date');
  });
});
