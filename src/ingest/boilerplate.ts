/**
 * Finds lines that are not prose: navigation and icon labels scraped with an article, copyright
 * footers, bare URLs. They stay in the text (offsets never shift) but are never indexed.
 */

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have he her his i in is it its of on or our she that the their they this to was we were will with would you'.split(
    ' ',
  ),
);

const COPYRIGHT = /(copyright\s*(©|\(c\))?|©)\s*\d{4}|all rights reserved/i;
const BARE_URL = /^(https?:\/\/|www\.)\S+$/i;

/** Judges one line; exported for tests. */
export function isBoilerplateLine(line: string): boolean {
  const trimmed = line.trim();
  if (trimmed.length === 0) return false;
  if (COPYRIGHT.test(trimmed) && trimmed.length < 300) return true;
  if (BARE_URL.test(trimmed)) return true;
  const words = trimmed.split(/\s+/);
  if (words.length < 12) return false;
  // Long, unpunctuated and almost free of function words: a list of labels, not a sentence.
  const hasSentencePunctuation = /[.!?]["'”’)]?(\s|$)/.test(trimmed) || /,\s/.test(trimmed);
  const stopWordRatio = words.filter((word) => STOP_WORDS.has(word.toLowerCase())).length / words.length;
  return !hasSentencePunctuation && stopWordRatio < 0.08;
}

/** Character ranges `[start, end)` of boilerplate lines in `text`. */
export function findBoilerplate(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (isBoilerplateLine(text.slice(start, end))) ranges.push([start, end]);
    if (newline === -1) break;
    start = newline + 1;
  }
  return ranges;
}
