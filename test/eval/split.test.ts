import { describe, expect, it } from 'vitest';
import { filterSplit, splitOf, splitOfQuestion } from '../../src/eval/split.js';

describe('splitOf', () => {
  it('puts a key in the tuning half when the first byte of its SHA-256 is below 128', () => {
    // First bytes from `printf '%s' KEY | sha256sum`: 7f, 89, ad, 2d, 91, ba.
    expect(splitOf('lavrov-age')).toBe('tune'); // 0x7f = 127, the last byte value of the tuning half
    expect(splitOf('kerry-call')).toBe('report'); // 0x89 = 137
    expect(splitOf('jabari')).toBe('report'); // 0xad
    expect(splitOf('Warsaw')).toBe('tune'); // 0x2d
    expect(splitOf('Super_Bowl_50')).toBe('report'); // 0x91
    expect(splitOf('abc')).toBe('report'); // 0xba
  });
});

describe('splitOfQuestion and filterSplit', () => {
  const questions = [
    { id: 'jabari' },
    { id: 'lavrov-age' },
    { id: 'q1', group: 'Warsaw' },
    { id: 'q2', group: 'Warsaw' },
    { id: 'q3', group: 'Super_Bowl_50' },
  ];

  it('splits by the group when there is one, else by the id', () => {
    expect(questions.map(splitOfQuestion)).toEqual(['report', 'tune', 'tune', 'tune', 'report']);
  });

  it('partitions a set into two disjoint halves, keeping the order; all keeps everything', () => {
    expect(filterSplit(questions, 'tune').map((question) => question.id)).toEqual(['lavrov-age', 'q1', 'q2']);
    expect(filterSplit(questions, 'report').map((question) => question.id)).toEqual(['jabari', 'q3']);
    expect(filterSplit(questions, 'all')).toEqual(questions);
  });
});
