import { createRequire } from 'node:module';
import type model from 'wink-eng-lite-web-model';
import type winkNLP from 'wink-nlp';

/** A sentence as a character span of the text it came from. */
export interface SentenceSpan {
  start: number;
  end: number;
}

type WinkNlp = ReturnType<typeof winkNLP>;
let nlp: WinkNlp | undefined;

function getNlp(): WinkNlp {
  // Loaded on first use (~200 ms): a server whose index is up to date never needs it.
  if (!nlp) {
    const require = createRequire(import.meta.url);
    const load = require('wink-nlp') as typeof winkNLP;
    // Only the sentence boundary pipe: tokenisation + SBD.
    nlp = load(require('wink-eng-lite-web-model') as typeof model, ['sbd']);
  }
  return nlp;
}

/** Lines longer than this on median mean "one paragraph per line" (news, scraped pages). */
const LONG_LINE_MEDIAN = 100;

/**
 * Splits text into sentences with exact character offsets, using wink-nlp's sentence boundary
 * detection (abbreviations, initials, quotes, "doors.The" joins from scraping).
 *
 * Blocks are segmented separately: paragraphs (blank lines) always, and single lines too when
 * the text is written one paragraph per line, so a headline never merges with the next line.
 * Whitespace at either end of a sentence is excluded from its span.
 *
 * @example
 * segmentSentences('Hi there. Bye.') // → [{ start: 0, end: 9 }, { start: 10, end: 14 }]
 */
export function segmentSentences(
  text: string,
  range: SentenceSpan = { start: 0, end: text.length },
): SentenceSpan[] {
  const sentences: SentenceSpan[] = [];
  for (const block of splitBlocks(text, range)) {
    segmentBlock(text, block, sentences);
  }
  return sentences;
}

function splitBlocks(text: string, range: SentenceSpan): SentenceSpan[] {
  const slice = text.slice(range.start, range.end);
  const lineLengths = slice
    .split('\n')
    .map((line) => line.trim().length)
    .filter((length) => length > 0)
    .sort((a, b) => a - b);
  const median = lineLengths[Math.floor(lineLengths.length / 2)] ?? 0;
  const separator = median >= LONG_LINE_MEDIAN || lineLengths.length <= 1 ? /\n/g : /\n[ \t\r\f\v]*\n/g;
  const blocks: SentenceSpan[] = [];
  let cursor = 0;
  for (const match of slice.matchAll(separator)) {
    blocks.push({ start: range.start + cursor, end: range.start + match.index });
    cursor = match.index + match[0].length;
  }
  blocks.push({ start: range.start + cursor, end: range.end });
  if (separator.source === '\\n') return blocks;
  // Hard-wrapped text: a short line without final punctuation followed by a line is a heading.
  return blocks.flatMap((block) => splitHeadings(text, block));
}

function splitHeadings(text: string, block: SentenceSpan): SentenceSpan[] {
  const firstBreak = text.indexOf('\n', block.start);
  if (firstBreak === -1 || firstBreak >= block.end) return [block];
  const firstLine = text.slice(block.start, firstBreak).trim();
  if (firstLine.length > 0 && firstLine.length <= 80 && !/[.!?:;,"'”’)]$/.test(firstLine)) {
    return [
      { start: block.start, end: firstBreak },
      ...splitHeadings(text, { start: firstBreak + 1, end: block.end }),
    ];
  }
  return [block];
}

function segmentBlock(text: string, block: SentenceSpan, out: SentenceSpan[]): void {
  const blockText = text.slice(block.start, block.end);
  if (blockText.trim().length === 0) return;
  const instance = getNlp();
  const its = instance.its;
  const doc = instance.readDoc(blockText);
  const values = doc.tokens().out(its.value) as string[];
  const spaces = doc.tokens().out(its.precedingSpaces) as string[];
  const tokenStarts = new Array<number>(values.length);
  const tokenEnds = new Array<number>(values.length);
  let cursor = 0;
  let exact = true;
  for (let index = 0; index < values.length; index++) {
    cursor += (spaces[index] ?? '').length;
    const value = values[index] ?? '';
    if (blockText.startsWith(value, cursor)) {
      tokenStarts[index] = cursor;
      cursor += value.length;
    } else {
      // wink-nlp reproduces its input exactly; if it ever does not, resynchronise by search.
      const found = blockText.indexOf(value, cursor);
      exact = false;
      tokenStarts[index] = found === -1 ? cursor : found;
      cursor = found === -1 ? cursor : found + value.length;
    }
    tokenEnds[index] = cursor;
  }
  const spans = doc.sentences().out(its.span) as unknown as Array<[number, number]>;
  for (const [first, last] of spans) {
    const start = block.start + (tokenStarts[first] ?? 0);
    const end = block.start + (tokenEnds[last] ?? blockText.length);
    const trimmed = trimSpan(text, { start, end });
    if (trimmed.end > trimmed.start) out.push(trimmed);
  }
  if (!exact && out.length === 0) out.push(trimSpan(text, block));
}

/** Narrows a span so it neither starts nor ends with whitespace. */
export function trimSpan(text: string, span: SentenceSpan): SentenceSpan {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start] ?? '')) start++;
  while (end > start && /\s/.test(text[end - 1] ?? '')) end--;
  return { start, end };
}
