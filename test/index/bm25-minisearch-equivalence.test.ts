import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { Bm25LexicalIndex, defaultBm25Options } from '../../src/index/index.js';
import { analyze } from '../../src/text/index.js';
import { CORPUS, REPO_ROOT } from '../support/test-index.js';

/**
 * Footnote's BM25 scores as the MiniSearch index it replaced (MiniSearch 7 with Footnote's
 * analyzer, `d = 0`, OR, term boosts), so every ranking, and with it every evaluation figure,
 * is unchanged. Compared hit for hit: same ids, same order, scores equal to the last bit.
 */

/** MiniSearch configured exactly as Footnote's lexical index was before format 6. */
function miniSearchOf(texts: string[]): MiniSearch<{ id: number; text: string }> {
  const { k1, b } = defaultBm25Options;
  const search = new MiniSearch<{ id: number; text: string }>({
    fields: ['text'],
    storeFields: [],
    tokenize: (text: string) => analyze(text),
    processTerm: (term: string) => term,
    searchOptions: { bm25: { k: k1, b, d: 0 }, combineWith: 'OR' },
  });
  search.addAll(texts.map((text, id) => ({ id, text })));
  return search;
}

/** MiniSearch's hits as Footnote's lexical index searched it before format 6. */
function miniSearchHits(
  search: MiniSearch<{ id: number; text: string }>,
  query: string,
  k: number,
  termWeights?: ReadonlyMap<string, number>,
) {
  const terms = [...new Set(analyze(query))];
  if (terms.length === 0) return [];
  return search
    .search(terms.join(' '), {
      tokenize: (text: string) => text.split(' '),
      processTerm: (term: string) => term,
      bm25: { k: defaultBm25Options.k1, b: defaultBm25Options.b, d: 0 },
      ...(termWeights ? { boostTerm: (term: string) => termWeights.get(term) ?? 1 } : {}),
    })
    .slice(0, k)
    .map((result) => ({ id: result.id as number, score: result.score }));
}

function footnoteIndexOf(texts: string[]): Bm25LexicalIndex {
  const index = Bm25LexicalIndex.create();
  index.addAll(texts.map((text, id) => ({ id, text })));
  return index;
}

describe('Bm25LexicalIndex ranks and scores as MiniSearch did', () => {
  it('on the default corpus, cut into paragraphs, for every evaluation question (built and reloaded)', async () => {
    const texts: string[] = [];
    for (const name of (await readdir(CORPUS)).sort())
      texts.push(...(await readFile(path.join(CORPUS, name), 'utf8')).split(/\n\s*\n/));
    const questions = (await readFile(path.join(REPO_ROOT, 'evals', 'corpus-questions.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => (JSON.parse(line) as { question: string }).question);
    expect(texts.length).toBeGreaterThan(50);
    expect(questions.length).toBeGreaterThan(50);
    const reference = miniSearchOf(texts);
    const built = footnoteIndexOf(texts);
    const reloaded = Bm25LexicalIndex.fromBytes(built.toBytes());
    let compared = 0;
    for (const question of questions) {
      const expected = miniSearchHits(reference, question, 50);
      compared += expected.length;
      expect(built.search(question, 50), question).toEqual(expected);
      expect(reloaded.search(question, 50), question).toEqual(expected);
      // A follow-up's context terms are boosted down, as the retriever does.
      const terms = analyze(question);
      const weights = new Map(terms.map((term, position) => [term, position % 2 === 0 ? 1 : 0.25]));
      expect(reloaded.search(question, 50, weights), question).toEqual(
        miniSearchHits(reference, question, 50, weights),
      );
      for (const term of terms)
        expect(reloaded.documentFrequency(term)).toBe(
          reference.search(term, { tokenize: (text) => [text] }).length,
        );
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('on random texts over a small vocabulary, where ties and repeated terms are common', () => {
    const word = fc.constantFrom(
      'apple',
      'banana',
      'cherry',
      'grape',
      'lemon',
      'mango',
      'olive',
      'peach',
      'plum',
    );
    const text = fc.array(word, { minLength: 0, maxLength: 12 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 40 }),
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (texts, queryWords, boosts) => {
          const reference = miniSearchOf(texts);
          const index = Bm25LexicalIndex.fromBytes(footnoteIndexOf(texts).toBytes());
          const query = queryWords.join(' ');
          expect(index.search(query, 100)).toEqual(miniSearchHits(reference, query, 100));
          const weights = new Map(queryWords.map((term, position) => [term, boosts[position]!]));
          expect(index.search(query, 100, weights)).toEqual(miniSearchHits(reference, query, 100, weights));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a loaded index takes more documents and still ranks as MiniSearch over all of them', () => {
    const texts = ['apple banana', 'banana cherry cherry', 'cherry apple grape', 'grape', 'apple apple plum'];
    const loaded = Bm25LexicalIndex.fromBytes(footnoteIndexOf(texts.slice(0, 3)).toBytes());
    expect(loaded.search('apple', 10).map((hit) => hit.id)).toEqual([0, 2]);
    loaded.add(3, texts[3]!);
    loaded.add(4, texts[4]!);
    const reference = miniSearchOf(texts);
    for (const query of ['apple', 'cherry grape', 'plum banana apple'])
      expect(loaded.search(query, 10)).toEqual(miniSearchHits(reference, query, 10));
    expect(loaded.documentFrequency(analyze('apple')[0]!)).toBe(3);
  });

  it('reads bytes that do not start on a 4-byte boundary', () => {
    const index = footnoteIndexOf(['apple banana', 'banana cherry', 'cherry apple apple']);
    const bytes = index.toBytes();
    const shifted = Buffer.alloc(bytes.length + 1);
    bytes.copy(shifted, 1);
    expect(Bm25LexicalIndex.fromBytes(shifted.subarray(1)).search('apple cherry', 10)).toEqual(
      index.search('apple cherry', 10),
    );
  });

  it('refuses bytes that are not a whole index', () => {
    const bytes = footnoteIndexOf(['one text', 'another text']).toBytes();
    expect(() => Bm25LexicalIndex.fromBytes(bytes.subarray(0, bytes.length - 1))).toThrow(
      /bytes, its header says/,
    );
    expect(() => Bm25LexicalIndex.fromBytes(bytes.subarray(0, 10))).toThrow(/shorter than its header/);
    const otherLayout = Buffer.from(bytes);
    otherLayout.writeUInt32LE(99, 0);
    expect(() => Bm25LexicalIndex.fromBytes(otherLayout)).toThrow(/layout 99/);
  });
});
