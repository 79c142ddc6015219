import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/chunk/index.js';
import { extractText } from '../../src/ingest/index.js';
import type { SourceDocument } from '../../src/types.js';

function documentFrom(source: string, text: string): SourceDocument {
  const extracted = extractText(text, 'text');
  return {
    id: 'test',
    source,
    title: extracted.title,
    text,
    hash: 'x',
    format: 'text',
    encoding: 'utf-8',
    boilerplate: extracted.boilerplate,
  };
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

describe('chunkDocument', () => {
  const text = readFileSync('corpus/001_377b34821ee142f4.txt', 'utf8');
  const document = documentFrom('001_377b34821ee142f4.txt', text);

  it('records exact offsets and line numbers for every chunk', () => {
    const chunks = chunkDocument(document);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
      expect(chunk.lineStart).toBe(lineOf(text, chunk.start));
      expect(chunk.lineEnd).toBe(lineOf(text, chunk.end - 1));
      for (const [start, end] of chunk.sentences) {
        expect(start).toBeGreaterThanOrEqual(chunk.start);
        expect(end).toBeLessThanOrEqual(chunk.end);
      }
    }
  });

  it('leaves the line of icon labels out of every chunk without shifting offsets', () => {
    const chunks = chunkDocument(document);
    expect(chunks.some((chunk) => chunk.text.includes('bookmarkicon'))).toBe(false);
    expect(chunks[0]!.start).toBeGreaterThan(text.indexOf('\n'));
    expect(document.title).toBe('Lavrov rebuffs Clinton call to turn screw on Syria');
  });

  it('keeps chunks near the target size and overlaps neighbours by the configured sentences', () => {
    const chunks = chunkDocument(document, { targetChars: 400, overlapSentences: 1 });
    for (const chunk of chunks) {
      // A chunk passes the target only when its first sentence alone does.
      if (chunk.end - chunk.start > 400) expect(chunk.sentences.length).toBe(1);
    }
    for (let index = 1; index < chunks.length; index++) {
      const previous = chunks[index - 1]!;
      const current = chunks[index]!;
      // Everything after the icon line is one prose segment: a chunk of two or more sentences hands its last one on.
      if (previous.sentences.length >= 2) expect(current.sentences[0]).toEqual(previous.sentences.at(-1));
    }
    const noOverlap = chunkDocument(document, { targetChars: 400, overlapSentences: 0 });
    for (let index = 1; index < noOverlap.length; index++)
      expect(noOverlap[index]!.start).toBeGreaterThanOrEqual(noOverlap[index - 1]!.end);
  });

  it('cuts a sentence longer than the limit at word boundaries', () => {
    const long = Array.from({ length: 400 }, (_, index) => `the word${index}`).join(' ');
    const chunks = chunkDocument(documentFrom('long.txt', long), {
      maxSentenceChars: 1000,
      targetChars: 1000,
    });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.end - chunk.start).toBeLessThanOrEqual(1000);
      expect(long.slice(chunk.start, chunk.end)).toBe(chunk.text);
      expect(chunk.text).toMatch(/^(the )?word\d+.*(word\d+|the)$/);
    }
  });
});
