/**
 * Where an offset of a source's text is for a reader: the page of a PDF, the heading path of a
 * Word file, the line of the original HTML file, else the line of the text. Shared by chunking,
 * citations, the API and the CLI.
 */
import type { CitableSource, SourceLocation } from '../types.js';
import { LineIndex } from './line-index.js';

/** Index of the last element of a sorted array whose key is `<= offset`, or -1. */
function lastAtOrBefore<T>(sorted: readonly T[], offset: number, key: (entry: T) => number): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (key(sorted[middle]!) <= offset) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/**
 * Locates offsets of one source. Build it once per document: the line starts are computed once
 * and every lookup is a binary search.
 */
export class SourceLocator {
  private readonly lines: LineIndex | undefined;

  constructor(private readonly source: Pick<CitableSource, 'text' | 'pages' | 'sections' | 'originalLines'>) {
    if (!source.originalLines) this.lines = new LineIndex(source.text);
  }

  /** The location of the character at `offset`. */
  locate(offset: number): SourceLocation {
    const { pages, sections, originalLines } = this.source;
    const line = originalLines
      ? (originalLines[lastAtOrBefore(originalLines, offset, (entry) => entry[0])]?.[1] ?? 1)
      : (this.lines?.lineOf(offset) ?? 1);
    const location: SourceLocation = { line };
    if (pages && pages.length > 0)
      location.page = Math.max(1, lastAtOrBefore(pages, offset, (start) => start) + 1);
    const section = sections ? sections[lastAtOrBefore(sections, offset, (entry) => entry[0])] : undefined;
    if (section && section[1].length > 0) location.section = section[1];
    return location;
  }
}

/** The location of one offset (builds a locator; use `SourceLocator` for many). */
export function locate(
  source: Pick<CitableSource, 'text' | 'pages' | 'sections' | 'originalLines'>,
  offset: number,
): SourceLocation {
  return new SourceLocator(source).locate(offset);
}

/**
 * A location as a footnote shows it: `p. 3` for a PDF, `§Leave › Paid holiday` for a Word
 * heading path, else `line 12`.
 */
export function describeLocation(location: Partial<SourceLocation>): string {
  if (location.page !== undefined) return `p. ${location.page}`;
  if (location.section && location.section.length > 0) return `§${location.section.join(' › ')}`;
  return `line ${location.line ?? 1}`;
}
