import { SourceLocator } from '../text/index.js';
import type { Chunk, SourceDocument } from '../types.js';
import { type SentenceSpan, segmentSentences, trimSpan } from './segment-sentences.js';

/** How documents are cut into chunks. Recorded in the index manifest. */
export interface ChunkingOptions {
  /**
   * Chunks grow sentence by sentence until adding the next sentence would pass this many
   * characters.
   * @default 700
   */
  targetChars: number;
  /**
   * Sentences repeated at the start of the next chunk, so a fact split across a boundary is
   * still found whole.
   * @default 1
   */
  overlapSentences: number;
  /**
   * A single sentence longer than this is cut at word boundaries.
   * @default 2000
   */
  maxSentenceChars: number;
}

/** The measured defaults of `ChunkingOptions` (see DESIGN.md). */
export const defaultChunkingOptions: ChunkingOptions = {
  targetChars: 700,
  overlapSentences: 1,
  maxSentenceChars: 2000,
};

/** A chunk before it gets its index id. */
export type ChunkDraft = Omit<Chunk, 'id'>;

/**
 * Cuts a document into chunks on sentence boundaries. Boilerplate ranges are never part of a
 * chunk; every chunk satisfies `document.text.slice(start, end) === text`.
 */
export function chunkDocument(
  document: SourceDocument,
  options: Partial<ChunkingOptions> = {},
): ChunkDraft[] {
  const settings = { ...defaultChunkingOptions, ...options };
  const { text } = document;
  const locator = new SourceLocator(document);
  const chunks: ChunkDraft[] = [];
  for (const segment of proseSegments(text, document.boilerplate)) {
    const sentences = segmentSentences(text, segment).flatMap((sentence) =>
      splitLongSentence(text, sentence, settings.maxSentenceChars),
    );
    packSentences(sentences, settings).forEach(({ first, last }) => {
      const inside = sentences.slice(first, last + 1);
      const start = inside[0]!.start;
      const end = inside[inside.length - 1]!.end;
      const location = locator.locate(start);
      chunks.push({
        sourceId: document.id,
        source: document.source,
        title: document.title,
        start,
        end,
        lineStart: location.line,
        lineEnd: locator.locate(Math.max(start, end - 1)).line,
        ...(location.page === undefined ? {} : { page: location.page }),
        ...(location.section === undefined ? {} : { section: location.section }),
        text: text.slice(start, end),
        sentences: inside.map((sentence) => [sentence.start, sentence.end]),
      });
    });
  }
  return chunks;
}

/** The parts of the text between boilerplate ranges. */
function proseSegments(text: string, boilerplate: Array<[number, number]>): SentenceSpan[] {
  const segments: SentenceSpan[] = [];
  let cursor = 0;
  for (const [start, end] of [...boilerplate].sort((a, b) => a[0] - b[0])) {
    if (start > cursor) segments.push({ start: cursor, end: start });
    cursor = Math.max(cursor, end);
  }
  if (cursor < text.length) segments.push({ start: cursor, end: text.length });
  return segments.filter((segment) => text.slice(segment.start, segment.end).trim().length > 0);
}

function splitLongSentence(text: string, sentence: SentenceSpan, maxChars: number): SentenceSpan[] {
  if (sentence.end - sentence.start <= maxChars) return [sentence];
  const pieces: SentenceSpan[] = [];
  let start = sentence.start;
  while (sentence.end - start > maxChars) {
    let cut = text.lastIndexOf(' ', start + maxChars);
    if (cut <= start) cut = start + maxChars;
    pieces.push(trimSpan(text, { start, end: cut }));
    start = cut;
  }
  pieces.push(trimSpan(text, { start, end: sentence.end }));
  return pieces.filter((piece) => piece.end > piece.start);
}

/** Groups consecutive sentences into chunks; returns index ranges into `sentences`. */
function packSentences(
  sentences: SentenceSpan[],
  settings: ChunkingOptions,
): Array<{ first: number; last: number }> {
  const chunks: Array<{ first: number; last: number }> = [];
  let first = 0;
  while (first < sentences.length) {
    let last = first;
    const chunkStart = sentences[first]!.start;
    while (last + 1 < sentences.length && sentences[last + 1]!.end - chunkStart <= settings.targetChars)
      last++;
    chunks.push({ first, last });
    if (last + 1 >= sentences.length) break;
    // Step forward, keeping `overlapSentences` sentences, but always make progress.
    first = Math.max(first + 1, last + 1 - settings.overlapSentences);
  }
  return chunks;
}
