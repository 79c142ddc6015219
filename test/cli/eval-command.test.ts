import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_METRICS } from '../../src/eval/index.js';

// The CLI as users run it: the built bin (`npm test` builds before vitest), a real process.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'footnote.js');

// The report's keys in the order the JSON is written: the table's figures, then the curve and the settings.
const REPORT_KEYS = [...REPORT_METRICS, 'risk_coverage', 'config'];

let directory: string;
let stateDirectory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'footnote-eval-cli-'));
  stateDirectory = path.join(directory, 'state');
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function footnote(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // The default corpus/ resolves against the repository; indexes and caches go to the temp dir.
      {
        cwd: ROOT,
        env: { ...process.env, FOOTNOTE_INDEX_DIR: stateDirectory, FOOTNOTE_EMBEDDER: 'glove' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function writeLines(name: string, items: unknown[]): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, `${items.map((item) => JSON.stringify(item)).join('\n')}\n`);
  return file;
}

async function readReport(
  file: string,
): Promise<Record<string, unknown> & { config: Record<string, unknown> }> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & {
    config: Record<string, unknown>;
  };
}

/** Runs `footnote <args>`, which must succeed and write a report with exactly the report keys to `output`. */
async function evalReport(
  output: string,
  ...args: string[]
): Promise<{ result: Outcome; report: Awaited<ReturnType<typeof readReport>> }> {
  const result = await footnote(...args);
  expect(result.stderr).not.toContain('internal error');
  expect(result.code).toBe(0);
  const report = await readReport(output);
  expect(Object.keys(report)).toEqual(REPORT_KEYS);
  return { result, report };
}

const questions = [
  {
    id: 'jabari',
    question: 'Which Hamas leader did the Israeli army kill?',
    answers: ['Ahmed Jabari', 'Jabari'],
    sources: ['002_c15813028621ca03.txt'],
  },
  {
    id: 'kerry-call',
    question: 'Who did John Kerry phone about the Syria peace talks?',
    answers: ['Sergei Lavrov', 'Lavrov'],
    sources: ['004_d26f5ab70bfd6cb2.txt'],
  },
  { id: 'lavrov-age', question: 'How old is Sergey Lavrov?', answers: [], sources: [] },
];

describe('footnote eval <questions.jsonl>', () => {
  it('scores a question set over corpus/ and writes exactly the report keys with --json', async () => {
    const file = await writeLines('small.jsonl', questions);
    const output = path.join(directory, 'out', 'report.json');
    const { result, report } = await evalReport(output, 'eval', file, '--json', output);
    expect(report).toMatchObject({
      n: 3,
      n_answerable: 2,
      n_unanswerable: 1,
      hit_at_5: 1,
      citation_valid: 1,
    });
    for (const key of REPORT_KEYS.filter(
      (name) =>
        !name.startsWith('n') && !name.endsWith('_ms') && name !== 'config' && name !== 'risk_coverage',
    )) {
      expect(report[key], key).toBeGreaterThanOrEqual(0);
      expect(report[key], key).toBeLessThanOrEqual(1);
    }
    expect(report.latency_p50_ms).toBeGreaterThan(0);
    expect(report.latency_p95_ms as number).toBeGreaterThanOrEqual(report.latency_p50_ms as number);
    expect(report.config).toMatchObject({
      embedder: 'glove-sg-100d',
      retriever: 'hybrid',
      k: 5,
      corpus: { sources: 5 },
    });
    expect(report.config.chunking).toBeDefined();

    // The table: one row per metric with the same numbers.
    expect(result.stdout).toMatch(/^n_unanswerable\s+1$/m);
    expect(result.stdout).toMatch(/^citation_valid\s+1\.000$/m);
    // Its own index, inside the state directory, never the repository's.
    expect((await readdir(stateDirectory)).some((name) => name.startsWith('eval-'))).toBe(true);
  });

  it('reuses its index on the next run and records the retriever it was asked for', async () => {
    const file = await writeLines('small.jsonl', questions);
    const output = path.join(directory, 'bm25.json');
    const result = await footnote('eval', file, '--retriever', 'bm25', '--k', '3', '--json', output);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('index is up to date');
    expect((await readReport(output)).config).toMatchObject({ retriever: 'bm25', k: 3 });
  });

  it('dumps one line per question with --dump and draws the risk-coverage curve with --curve', async () => {
    const file = await writeLines('small.jsonl', questions);
    const report = path.join(directory, 'dump-report.json');
    const dump = path.join(directory, 'dump', 'questions.jsonl');
    const curve = path.join(directory, 'curves', 'small.svg');
    const result = await footnote('eval', file, '--json', report, '--dump', dump, '--curve', curve);
    expect(result.code).toBe(0);

    const lines = (await readFile(dump, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.id, line.split])).toEqual([
      ['jabari', 'report'],
      ['kerry-call', 'report'],
      ['lavrov-age', 'tune'],
    ]);
    expect(Object.keys(lines[0]!)).toEqual([
      'id',
      'split',
      'question',
      'answerable',
      'goldAnswers',
      'goldSources',
      'answer',
      'firstQuote',
      'confidence',
      'refused',
      'right',
      'firstSentenceRight',
      'rankedSources',
    ]);
    expect(lines[0]).toMatchObject({
      answerable: true,
      refused: false,
      right: true,
      firstSentenceRight: true,
    });
    expect(lines[0]!.firstQuote).toContain('Jabari');
    expect(lines[2]).toMatchObject({ answerable: false, goldAnswers: [], refused: true, right: false });
    expect(lines[2]!.confidence).toBeGreaterThan(0);
    for (const line of lines) expect(line.confidence).toBeLessThanOrEqual(1);

    // The curve ends where the system's own refusals put it.
    const scores = await readReport(report);
    const points = scores.risk_coverage as Array<{ coverage: number; precision: number }>;
    expect(points.at(-1)).toMatchObject({
      coverage: scores.answered_coverage,
      precision: scores.answered_precision,
    });
    const svg = await readFile(curve, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('small.jsonl: risk-coverage');
    expect(svg).toContain('<polyline');
  });

  it('lists why each question missed with --verbose', async () => {
    const wrongGold = {
      id: 'wrong-gold',
      question: 'Which Hamas leader did the Israeli army kill?',
      answers: ['Yasser Arafat'],
      sources: ['002_c15813028621ca03.txt'],
    };
    const file = await writeLines('missing.jsonl', [questions[0], wrongGold]);
    const result = await footnote('eval', file, '--verbose');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 of 2 questions missed');
    expect(result.stdout).toContain('x wrong-gold: answer lacks every gold answer');
    expect(result.stdout).toContain('"Yasser Arafat" in 002_c15813028621ca03.txt');
    expect(result.stdout).toMatch(/answered: .*Jabari.* \(confidence 0\.\d{3}\)$/m);
    expect(result.stdout).not.toContain('x jabari');
  });
});

const squadFixture = {
  version: '1.1',
  data: [
    {
      title: 'Super_Bowl_50',
      paragraphs: [
        {
          context:
            'Super Bowl 50 was an American football game to determine the champion of the National Football League for the 2015 season. The Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title.',
          qas: [
            {
              id: 'sb-winner',
              question: 'Which team won Super Bowl 50?',
              answers: [
                { answer_start: 133, text: 'Denver Broncos' },
                { answer_start: 129, text: 'The Denver Broncos' },
              ],
            },
          ],
        },
        {
          context:
            "The game was played on February 7, 2016, at Levi's Stadium in the San Francisco Bay Area at Santa Clara, California.",
          qas: [
            {
              id: 'sb-stadium',
              question: 'In which stadium was the game played?',
              answers: [{ answer_start: 44, text: "Levi's Stadium" }],
            },
          ],
        },
      ],
    },
    {
      title: 'Warsaw',
      paragraphs: [
        {
          context:
            'Warsaw is the capital and largest city of Poland. It stands on the Vistula River in east-central Poland, roughly 260 kilometres from the Baltic Sea.',
          qas: [
            {
              id: 'warsaw-river',
              question: 'Which river does Warsaw stand on?',
              answers: [
                { answer_start: 67, text: 'Vistula River' },
                { answer_start: 67, text: 'Vistula' },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('footnote eval --squad <file>', () => {
  it('turns the paragraphs into a cached corpus, ingests it and scores every question', async () => {
    const file = path.join(directory, 'tiny-squad.json');
    await writeFile(file, JSON.stringify(squadFixture));
    const output = path.join(directory, 'squad.json');
    const { report } = await evalReport(output, 'eval', '--squad', file, '--json', output);
    expect(report).toMatchObject({
      n: 3,
      n_answerable: 3,
      n_unanswerable: 0,
      hit_at_1: 1,
      refusal_accuracy: null,
      citation_valid: 1,
    });
    expect(report.config).toMatchObject({ corpus: { sources: 3 } });

    const corpus = (await readdir(stateDirectory)).find((name) => name.startsWith('squad-corpus-'));
    expect(corpus).toBeDefined();
    const paragraph = path.join(stateDirectory, corpus!, 'squad', '0-1.txt');
    expect(await readFile(paragraph, 'utf8')).toBe(
      "Super Bowl 50\n\nThe game was played on February 7, 2016, at Levi's Stadium in the San Francisco Bay Area at Santa Clara, California.",
    );

    // A second run writes no paragraph again and embeds nothing.
    const before = (await stat(paragraph)).mtimeMs;
    const again = await footnote('eval', '--squad', file);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('index is up to date (3 files');
    expect((await stat(paragraph)).mtimeMs).toBe(before);
  });
});

describe('footnote eval --split and --holdout', () => {
  it('scores one half of a question set, split by question id, and says which half', async () => {
    const file = await writeLines('split.jsonl', questions);
    const halves: Record<string, Record<string, unknown> & { config: Record<string, unknown> }> = {};
    for (const half of ['tune', 'report']) {
      const output = path.join(directory, `split-${half}.json`);
      const result = await footnote('eval', file, '--split', half, '--json', output);
      expect(result.code).toBe(0);
      halves[half] = await readReport(output);
      expect(halves[half]!.config).toMatchObject({ split: half, setSize: 3 });
    }
    // SHA-256 first bytes: lavrov-age 0x7f (tune), jabari 0xad and kerry-call 0x89 (report).
    expect(halves.tune).toMatchObject({ n: 1, n_answerable: 0, n_unanswerable: 1 });
    expect(halves.report).toMatchObject({ n: 2, n_answerable: 2, n_unanswerable: 0 });
    const shown = await footnote('eval', file, '--split', 'report');
    expect(shown.stdout).toContain('split: the report half, 2 of 3 questions (2 answerable, 0 unanswerable)');
  });

  it('--holdout indexes every other paragraph of each article in its own corpus and turns the rest unanswerable', async () => {
    const file = path.join(directory, 'tiny-squad-holdout.json');
    await writeFile(file, JSON.stringify(squadFixture));
    const output = path.join(directory, 'holdout.json');
    const { result, report } = await evalReport(
      output,
      'eval',
      '--squad',
      file,
      '--holdout',
      '--json',
      output,
    );
    // Paragraph 0-1 (Levi's Stadium) is left out and its answer is nowhere else in the article.
    expect(report).toMatchObject({ n: 3, n_answerable: 2, n_unanswerable: 1 });
    expect(report.config).toMatchObject({ holdout: true, corpus: { sources: 2 } });
    expect(result.stdout).toContain('(holdout)');
    const corpus = (await readdir(stateDirectory)).find((name) => name.startsWith('squad-holdout-corpus-'));
    expect(corpus).toBeDefined();
    expect((await readdir(path.join(stateDirectory, corpus!, 'squad'))).sort()).toEqual([
      '0-0.txt',
      '1-0.txt',
    ]);

    // The SQuAD split goes by article: Super_Bowl_50 (0x91) is in the reporting half, Warsaw (0x2d) not.
    const report2 = path.join(directory, 'holdout-report.json');
    expect(
      (await footnote('eval', '--squad', file, '--holdout', '--split', 'report', '--json', report2)).code,
    ).toBe(0);
    expect(await readReport(report2)).toMatchObject({ n: 2, n_answerable: 1, n_unanswerable: 1 });
  });
});

describe('footnote eval with bad input', () => {
  function expectOneLineError(result: Outcome, pattern: RegExp): void {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^footnote: /);
    expect(lines[0]).toMatch(pattern);
  }

  it('exits 1 with one line naming the file and line of a broken question', async () => {
    const file = path.join(directory, 'broken.jsonl');
    await writeFile(
      file,
      `${JSON.stringify(questions[0])}\n{"id": "q2", "question": "Who?", "answer": ["x"]}\n`,
    );
    expectOneLineError(await footnote('eval', file), /broken\.jsonl line 2: .*answer/);
  });

  it('exits 1 with one line for a question file that does not exist', async () => {
    expectOneLineError(
      await footnote('eval', path.join(directory, 'nope.jsonl')),
      /cannot read question set .*nope\.jsonl/,
    );
  });

  it('exits 1 with one line for a file that is not SQuAD', async () => {
    const file = await writeLines('not-squad.json', [{ data: [{ title: 'x' }] }]);
    expectOneLineError(await footnote('eval', '--squad', file), /not a SQuAD v1\.1 file/);
  });

  it('exits 1 when a question names a source the corpus does not have', async () => {
    const file = await writeLines('other-corpus.jsonl', [
      { ...questions[0], sources: ['bbc/sport/001.txt'] },
    ]);
    const result = await footnote('eval', file);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^footnote: question "jabari" names source bbc\/sport\/001\.txt, which is not in the corpus .*--corpus/,
    );
  });

  it('exits 1 for --holdout without --squad and for an unknown --split', async () => {
    expectOneLineError(
      await footnote('eval', 'evals/corpus-questions.jsonl', '--holdout'),
      /--holdout .*--squad/,
    );
    const unknown = await footnote('eval', 'evals/corpus-questions.jsonl', '--split', 'train');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--split.*train.*tune, report, all/);
  });

  it('exits 1 when given neither or both of a question set and --squad', async () => {
    expectOneLineError(await footnote('eval'), /either a question set .* or a SQuAD file/);
    expectOneLineError(
      await footnote('eval', 'evals/corpus-questions.jsonl', '--squad', 'dev.json'),
      /not both or neither/,
    );
  });
});
