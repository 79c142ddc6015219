import { describe, expect, it } from 'vitest';
import { AnswerVerifier, SentenceSplitter } from '../../src/answer/verify-answer.js';
import type { Passage } from '../../src/types.js';

const source =
  'Last week the Israeli military killed Hamas leader Ahmed Jabari while he was traveling in a car. Hamas said Israel had opened the gates of hell.\n' +
  'Lavrov met Clinton in Cambodia. They discussed the Syrian crisis and the Geneva Communique.';
const firstEnd = source.indexOf('\n');

function passage(start: number, end: number): Passage {
  const text = source.slice(start, end);
  const sentences: Array<[number, number]> = [];
  for (const match of text.matchAll(/[^.]+\./g)) {
    const from = start + match.index + (match[0].length - match[0].trimStart().length);
    sentences.push([from, start + match.index + match[0].length]);
  }
  return {
    chunkId: 'test:0',
    sourceId: 'abc',
    source: 'news.txt',
    title: 'News',
    start,
    end,
    lineStart: 1,
    lineEnd: 1,
    text,
    sentences,
    score: 1,
  };
}

const passages = [passage(0, firstEnd), passage(firstEnd + 1, source.length)];
const sourceOf = () => ({ source: 'news.txt', title: 'News', text: source });

describe('SentenceSplitter', () => {
  const answer =
    'Mr. Jabari was killed by the U.S. ally Israel [1]. Hamas spoke of 3.5 gates. [1][2] Lavrov met Clinton [2].';

  it('gives the same sentences however the text is cut into tokens', () => {
    const whole = new SentenceSplitter();
    const expected = [...whole.push(answer), ...whole.end()];
    expect(expected).toEqual([
      'Mr. Jabari was killed by the U.S. ally Israel [1]. ',
      'Hamas spoke of 3.5 gates. [1][2] ',
      'Lavrov met Clinton [2].',
    ]);
    for (const size of [1, 2, 3, 5, 8]) {
      const splitter = new SentenceSplitter();
      const sentences: string[] = [];
      for (let start = 0; start < answer.length; start += size)
        sentences.push(...splitter.push(answer.slice(start, start + size)));
      sentences.push(...splitter.end());
      expect(sentences).toEqual(expected);
    }
  });

  it('holds a sentence back until the next one starts, since a marker may still follow', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Jabari was killed.')).toEqual([]);
    expect(splitter.push(' [1]')).toEqual([]);
    expect(splitter.push(' Hamas')).toEqual(['Jabari was killed. [1] ']);
  });
});

describe('AnswerVerifier', () => {
  it('drops markers to no passage, renumbers the rest in order of use, and scores support', () => {
    const verifier = new AnswerVerifier(passages);
    const first = verifier.check('Lavrov met Clinton in Cambodia [2][7]. ');
    const second = verifier.check('The Israeli military killed Ahmed Jabari [1, 9]. ');
    const third = verifier.check('The strike was ordered by President Obama from the White House [1].');
    expect(first.text).toBe('Lavrov met Clinton in Cambodia [1]. ');
    expect(second.text).toBe('The Israeli military killed Ahmed Jabari [2]. ');
    expect([first.verdict, second.verdict, third.verdict]).toEqual(['supported', 'supported', 'unsupported']);
    expect(third.support).toBeLessThan(0.5);
    expect(verifier.unsupported).toEqual([
      'The strike was ordered by President Obama from the White House [2].',
    ]);
  });

  it('flags a sentence without markers as unsupported, and one with only stop words as neutral', () => {
    const verifier = new AnswerVerifier(passages);
    expect(verifier.check('Ahmed Jabari was killed in a car. ').verdict).toBe('unsupported');
    expect(verifier.check('It is so. ').verdict).toBe('neutral');
    expect(verifier.check("I couldn't find this in the passages.").saysNotFound).toBe(true);
  });

  it('cites, for each footnote, the passage sentence that best supports the claim, cut exactly from the source', () => {
    const verifier = new AnswerVerifier(passages);
    verifier.check('Hamas said Israel had opened the gates of hell [1]. ');
    verifier.check('They talked about Syria and the Geneva Communique [2].');
    const citations = verifier.citations(sourceOf);
    expect(citations.map((citation) => citation.n)).toEqual([1, 2]);
    expect(citations[0]!.quote).toBe('Hamas said Israel had opened the gates of hell.');
    expect(citations[1]!.quote).toBe('They discussed the Syrian crisis and the Geneva Communique.');
    for (const citation of citations) expect(source.slice(citation.start, citation.end)).toBe(citation.quote);
  });
});
