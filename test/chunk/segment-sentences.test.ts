import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { segmentSentences } from '../../src/chunk/index.js';

const texts = (text: string) => segmentSentences(text).map(({ start, end }) => text.slice(start, end));

describe('segmentSentences', () => {
  it('splits sentences and keeps abbreviations and initials inside them', () => {
    expect(
      texts(
        'Mr. Smith met Dr. Jones at 5 p.m. in Washington, D.C. on Monday. U.S. Secretary of State John Kerry spoke.',
      ),
    ).toEqual([
      'Mr. Smith met Dr. Jones at 5 p.m. in Washington, D.C. on Monday.',
      'U.S. Secretary of State John Kerry spoke.',
    ]);
  });

  it('splits sentences glued together by scraping ("doors.The talks")', () => {
    expect(texts('It was held behind closed doors.The talks did not end with a breakthrough.')).toEqual([
      'It was held behind closed doors.',
      'The talks did not end with a breakthrough.',
    ]);
  });

  it('never merges a headline line with the paragraph after it', () => {
    const text =
      'Road to Reset? Clinton and Lavrov map out goals\nRussian and American diplomats proposed a number of ways for getting the reset back on track in the first major meeting.';
    const sentences = texts(text);
    expect(sentences.at(-1)).toBe(
      'Russian and American diplomats proposed a number of ways for getting the reset back on track in the first major meeting.',
    );
    expect(sentences.every((sentence) => !sentence.includes('\n'))).toBe(true);
  });

  it('gives exact offsets, without surrounding whitespace, for every sentence of every corpus file', () => {
    for (const file of [
      '000_afbc1989c5fc68f0.txt',
      '001_377b34821ee142f4.txt',
      '002_c15813028621ca03.txt',
      '003_c0837fc8db15ef58.txt',
      '004_d26f5ab70bfd6cb2.txt',
    ]) {
      const text = readFileSync(`corpus/${file}`, 'utf8');
      const spans = segmentSentences(text);
      expect(spans.length).toBeGreaterThan(8);
      let previousEnd = 0;
      for (const { start, end } of spans) {
        expect(start).toBeGreaterThanOrEqual(previousEnd);
        expect(end).toBeGreaterThan(start);
        expect(text.slice(start, end).trim()).toBe(text.slice(start, end));
        previousEnd = end;
      }
    }
  });

  it('segments only the requested range', () => {
    const text = 'First one. Second one. Third one.';
    const spans = segmentSentences(text, { start: 11, end: 22 });
    expect(spans.map(({ start, end }) => text.slice(start, end))).toEqual(['Second one.']);
  });
});
