import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FootnoteError } from '../../src/errors.js';
import { loadSquad, type SquadSet, squadHoldout } from '../../src/eval/squad.js';

const fixture = {
  version: '1.1',
  data: [
    {
      title: 'Super_Bowl_50',
      paragraphs: [
        {
          context:
            'Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10.',
          qas: [
            {
              id: 'q1',
              question: 'Which team won Super Bowl 50?',
              answers: [
                { answer_start: 62, text: 'Denver Broncos' },
                { answer_start: 62, text: 'Denver Broncos' },
                { answer_start: 58, text: 'The Denver Broncos' },
              ],
            },
          ],
        },
        {
          context: "The game was played at Levi's Stadium.",
          qas: [
            {
              id: 'q2',
              question: 'Where was the game played?',
              answers: [{ answer_start: 23, text: "Levi's Stadium" }],
            },
          ],
        },
      ],
    },
    {
      title: 'Warsaw',
      paragraphs: [
        {
          context: 'Warsaw is the capital of Poland.',
          qas: [{ id: 'q3', question: 'Capital of Poland?', answers: [{ answer_start: 0, text: 'Warsaw' }] }],
        },
      ],
    },
  ],
};

const realFile = fileURLToPath(
  new URL('../../../shared/datasets/squad/dev-v1.1-part-a.json', import.meta.url),
);

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'footnote-squad-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function write(name: string, content: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('loadSquad', () => {
  it('turns each paragraph into a document and each question into an item', async () => {
    const { documents, questions } = await loadSquad(await write('tiny.json', JSON.stringify(fixture)));
    expect(documents).toEqual([
      {
        source: 'squad/0-0.txt',
        title: 'Super Bowl 50',
        text: `Super Bowl 50\n\n${fixture.data[0]!.paragraphs[0]!.context}`,
        article: 0,
        paragraph: 0,
      },
      {
        source: 'squad/0-1.txt',
        title: 'Super Bowl 50',
        text: "Super Bowl 50\n\nThe game was played at Levi's Stadium.",
        article: 0,
        paragraph: 1,
      },
      {
        source: 'squad/1-0.txt',
        title: 'Warsaw',
        text: 'Warsaw\n\nWarsaw is the capital of Poland.',
        article: 1,
        paragraph: 0,
      },
    ]);
    expect(questions).toEqual([
      {
        id: 'q1',
        question: 'Which team won Super Bowl 50?',
        answers: ['Denver Broncos', 'The Denver Broncos'],
        sources: ['squad/0-0.txt'],
        group: 'Super_Bowl_50',
      },
      {
        id: 'q2',
        question: 'Where was the game played?',
        answers: ["Levi's Stadium"],
        sources: ['squad/0-1.txt'],
        group: 'Super_Bowl_50',
      },
      {
        id: 'q3',
        question: 'Capital of Poland?',
        answers: ['Warsaw'],
        sources: ['squad/1-0.txt'],
        group: 'Warsaw',
      },
    ]);
  });

  it('rejects a file that is not JSON', async () => {
    const path = await write('broken.json', '{"data": [');
    await expect(loadSquad(path)).rejects.toThrow(FootnoteError);
    await expect(loadSquad(path)).rejects.toThrow(/is not valid JSON.*expected SQuAD v1\.1 JSON/);
  });

  it('rejects JSON of another shape and names the offending field', async () => {
    const path = await write(
      'other.json',
      JSON.stringify({ data: [{ title: 'X', paragraphs: [{ text: 'no context here', qas: [] }] }] }),
    );
    await expect(loadSquad(path)).rejects.toThrow(
      /is not a SQuAD v1\.1 file: data\[0\]\.paragraphs\[0\]\.context/,
    );
    await expect(loadSquad(await write('array.json', '[1, 2]'))).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('rejects SQuAD v2.0 unanswerable questions with a clear message', async () => {
    const path = await write(
      'v2.json',
      JSON.stringify({
        version: 'v2.0',
        data: [
          {
            title: 'X',
            paragraphs: [
              { context: 'c', qas: [{ id: 'q', question: 'q?', answers: [], is_impossible: true }] },
            ],
          },
        ],
      }),
    );
    await expect(loadSquad(path)).rejects.toThrow(/answers: needs at least one answer \(SQuAD v2\.0/);
  });

  it('reports a missing file', async () => {
    await expect(loadSquad(join(directory, 'absent.json'))).rejects.toThrow(/cannot be read/);
  });

  it.skipIf(!existsSync(realFile))(
    'loads the shared SQuAD dev part with answers verbatim in their documents',
    async () => {
      const { documents, questions } = await loadSquad(realFile);
      expect(documents).toHaveLength(1048);
      expect(questions).toHaveLength(5696);
      expect(new Set(documents.map((document) => document.source)).size).toBe(1048);
      expect(new Set(questions.map((question) => question.id)).size).toBe(5696);
      const textOf = new Map(documents.map((document) => [document.source, document.text]));
      for (const question of questions) {
        const text = textOf.get(question.sources[0]!);
        expect(question.answers.length).toBeGreaterThan(0);
        for (const answer of question.answers) expect(text).toContain(answer);
      }
    },
  );
});

describe('squadHoldout', () => {
  const document = (article: number, paragraph: number, title: string, context: string) => ({
    source: `squad/${article}-${paragraph}.txt`,
    title,
    text: `${title}\n\n${context}`,
    article,
    paragraph,
  });
  const question = (id: string, source: string, answers: string[], group: string) => ({
    id,
    question: `${id}?`,
    answers,
    sources: [source],
    group,
  });
  const set: SquadSet = {
    documents: [
      document(0, 0, 'Nile', 'The Nile flows north through Egypt.'),
      document(0, 1, 'Nile', 'Its length is about 6,650 km.'),
      document(0, 2, 'Nile', 'The Aswan High Dam was finished in 1970.'),
      document(0, 3, 'Nile', 'The river ends in a delta on the Mediterranean.'),
      document(1, 0, 'Danube', 'The Danube reaches the Black Sea; it is 2,850 km long.'),
      document(1, 1, 'Danube', 'Vienna lies on the Danube.'),
    ],
    questions: [
      question('kept', 'squad/0-0.txt', ['Egypt'], 'Nile'),
      question('gone', 'squad/0-1.txt', ['about 6,650 km', '6,650 km'], 'Nile'),
      question('answer-in-kept', 'squad/0-3.txt', ['the Mediterranean', '1970'], 'Nile'),
      question('answer-in-title', 'squad/0-1.txt', ['The Nile'], 'Nile'),
      question('answer-in-other-article', 'squad/0-3.txt', ['Black Sea'], 'Nile'),
      question('partial-word', 'squad/1-1.txt', ['Vienna', 'Danub'], 'Danube'),
      question('kept-2', 'squad/0-2.txt', ['1970'], 'Nile'),
    ],
  };

  it('keeps the even paragraphs and turns questions about the others unanswerable, or drops them', () => {
    const holdout = squadHoldout(set);
    expect(holdout.documents.map((kept) => kept.source)).toEqual([
      'squad/0-0.txt',
      'squad/0-2.txt',
      'squad/1-0.txt',
    ]);
    expect(holdout.questions).toEqual([
      set.questions[0],
      // 6,650 occurs in no kept Nile paragraph: unanswerable, id and article kept.
      { id: 'gone', question: 'gone?', answers: [], sources: [], group: 'Nile' },
      // "1970" is in kept paragraph 0-2 ("answer-in-kept") and "Nile" in every kept title: dropped.
      // "Black Sea" occurs only in another article, which does not count.
      {
        id: 'answer-in-other-article',
        question: 'answer-in-other-article?',
        answers: [],
        sources: [],
        group: 'Nile',
      },
      // "Danub" is not a whole word of "Danube": no match, so unanswerable.
      { id: 'partial-word', question: 'partial-word?', answers: [], sources: [], group: 'Danube' },
      set.questions[6],
    ]);
  });

  it('keeps the odd paragraphs instead with keptParity 1, so each question is seen both ways', () => {
    const holdout = squadHoldout(set, { keptParity: 1 });
    expect(holdout.documents.map((kept) => kept.source)).toEqual([
      'squad/0-1.txt',
      'squad/0-3.txt',
      'squad/1-1.txt',
    ]);
    expect(holdout.questions).toEqual([
      // "Egypt" is in no odd Nile paragraph: unanswerable.
      { id: 'kept', question: 'kept?', answers: [], sources: [], group: 'Nile' },
      set.questions[1],
      set.questions[2],
      set.questions[3],
      set.questions[4],
      set.questions[5],
      // "1970" is only in paragraph 0-2, now left out.
      { id: 'kept-2', question: 'kept-2?', answers: [], sources: [], group: 'Nile' },
    ]);
  });

  it('is deterministic and leaves its input alone', () => {
    const before = structuredClone(set);
    expect(squadHoldout(set)).toEqual(squadHoldout(set));
    expect(set).toEqual(before);
  });

  it.skipIf(!existsSync(realFile))(
    'gives thousands of near-miss questions on the shared SQuAD part',
    async () => {
      const holdout = squadHoldout(await loadSquad(realFile));
      const unanswerable = holdout.questions.filter((item) => item.answers.length === 0);
      expect(holdout.documents).toHaveLength(531);
      expect(holdout.questions).toHaveLength(4823);
      expect(unanswerable).toHaveLength(1919);
    },
  );
});
