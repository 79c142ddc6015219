import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FootnoteError } from '../../src/errors.js';
import { loadQuestionSet } from '../../src/eval/question-set.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'footnote-questions-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function write(name: string, lines: string[]): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, lines.join('\n'));
  return path;
}

const good = JSON.stringify({ id: 'a', question: 'Who?', answers: ['Jabari'], sources: ['002.txt'] });
const unanswerable = JSON.stringify({ id: 'b', question: 'How old is Lavrov?', answers: [], sources: [] });

describe('loadQuestionSet', () => {
  it('parses lines, skips blank ones and keeps history', async () => {
    const followUp = JSON.stringify({
      id: 'c',
      question: 'What did he die of?',
      answers: ['pancreatitis'],
      sources: ['002.txt'],
      history: [
        { role: 'user', content: 'Who was Magnitsky?' },
        { role: 'assistant', content: 'A lawyer.' },
      ],
    });
    const questions = await loadQuestionSet(
      await write('good.jsonl', ['', good, '   ', unanswerable, followUp, '']),
    );
    expect(questions.map((question) => question.id)).toEqual(['a', 'b', 'c']);
    expect(questions[0]).toEqual({ id: 'a', question: 'Who?', answers: ['Jabari'], sources: ['002.txt'] });
    expect(questions[2]!.history).toEqual([
      { role: 'user', content: 'Who was Magnitsky?' },
      { role: 'assistant', content: 'A lawyer.' },
    ]);
  });

  it('names the file and line of a line that is not JSON', async () => {
    const path = await write('broken.jsonl', [good, '', '{"id": "x", "question":']);
    const error = await loadQuestionSet(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FootnoteError);
    expect((error as FootnoteError).code).toBe('invalid_request');
    expect((error as FootnoteError).message).toContain(`${path} line 3: not valid JSON`);
  });

  it('says which field of a line is wrong', async () => {
    const path = await write('fields.jsonl', [
      good,
      JSON.stringify({ id: 'x', question: 'Why?', answers: 'Jabari', sources: ['002.txt'] }),
    ]);
    await expect(loadQuestionSet(path)).rejects.toThrow(/line 2: answers: .*expected array/);
    const typo = await write('typo.jsonl', [
      JSON.stringify({
        id: 'x',
        question: 'Why?',
        answer: ['Jabari'],
        answers: ['Jabari'],
        sources: ['002.txt'],
      }),
    ]);
    await expect(loadQuestionSet(typo)).rejects.toThrow(/line 1: .*answer/);
    const role = await write('role.jsonl', [
      JSON.stringify({
        id: 'x',
        question: 'Why?',
        answers: [],
        sources: [],
        history: [{ role: 'system', content: 'hi' }],
      }),
    ]);
    await expect(loadQuestionSet(role)).rejects.toThrow(/line 1: history\.0\.role/);
  });

  it('rejects answers without sources', async () => {
    const path = await write('half.jsonl', [
      JSON.stringify({ id: 'x', question: 'Why?', answers: ['Jabari'], sources: [] }),
    ]);
    await expect(loadQuestionSet(path)).rejects.toThrow(/line 1: answers and sources must both be empty/);
  });

  it('rejects a duplicate id', async () => {
    const path = await write('duplicate.jsonl', [good, unanswerable, good]);
    await expect(loadQuestionSet(path)).rejects.toThrow(/line 3: duplicate id "a" \(first used on line 1\)/);
  });

  it('rejects an empty or missing file', async () => {
    await expect(loadQuestionSet(await write('empty.jsonl', ['', '']))).rejects.toThrow(/holds no questions/);
    await expect(loadQuestionSet(join(directory, 'absent.jsonl'))).rejects.toThrow(
      /cannot read question set/,
    );
  });
});

describe('evals/corpus-questions.jsonl', () => {
  const corpus = fileURLToPath(new URL('../../corpus/', import.meta.url));
  const texts = new Map(readdirSync(corpus).map((name) => [name, readFileSync(join(corpus, name), 'utf8')]));
  const path = fileURLToPath(new URL('../../evals/corpus-questions.jsonl', import.meta.url));

  it('has the required mix of questions', async () => {
    const questions = await loadQuestionSet(path);
    expect(questions.length).toBeGreaterThanOrEqual(45);
    expect(questions.filter((question) => question.sources.length === 0).length).toBeGreaterThanOrEqual(12);
    expect(questions.filter((question) => question.sources.length >= 2).length).toBeGreaterThanOrEqual(5);
    expect(
      questions.filter((question) => question.history !== undefined && question.answers.length > 0).length,
    ).toBeGreaterThanOrEqual(6);
    expect(questions).toContainEqual({
      id: expect.any(String),
      question: 'Which Hamas leader was killed by the Israeli military?',
      answers: ['Ahmed Jabari', 'Jabari'],
      sources: ['002_c15813028621ca03.txt'],
    });
  });

  it('has every answer verbatim in one of its sources, and an answer in every source', async () => {
    for (const question of await loadQuestionSet(path)) {
      const sourceTexts = question.sources.map((source) => {
        const text = texts.get(source);
        if (text === undefined) throw new Error(`${question.id}: no corpus file ${source}`);
        return text;
      });
      for (const answer of question.answers) {
        expect(
          sourceTexts.some((text) => text.includes(answer)),
          `${question.id}: "${answer}"`,
        ).toBe(true);
      }
      for (const [index, text] of sourceTexts.entries()) {
        expect(
          question.answers.some((answer) => text.includes(answer)),
          `${question.id}: ${question.sources[index]}`,
        ).toBe(true);
      }
    }
  });
});
