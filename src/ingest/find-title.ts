/**
 * A document's title as a reader would name it, when the file does not say (no metadata, no
 * `<title>`, no heading): the page's headline, not the site banner above it, and never a
 * sentence cut mid-word.
 */

/** Only the start of a document is searched for its headline. */
const SCAN_CHARS = 4000;
/** Longer than this, a title is shortened at a word boundary. */
const MAX_TITLE_CHARS = 120;

/** A line that reads as a headline: short, starts with a capital or digit, does not end like a sentence. */
export function isHeadlineLike(line: string): boolean {
  if (line.length < 3 || line.length > 150) return false;
  if (!/^[\p{Lu}\p{N}"“‘']/u.test(line)) return false;
  const bare = line.replace(/["”’')\]]+$/, '');
  if (/[.,;:]$/.test(bare) && !/\b[A-Z]\.$/.test(bare)) return false;
  if (/^(published|updated|posted|by)\b/i.test(line)) return false;
  return line.split(/\s+/).length >= 2;
}

/**
 * The headline of a text:
 * 1. a headline-like line that the page repeats (as its own line again, or at the end of a
 *    breadcrumb such as "Home News <headline>"), which is how scraped articles show their title
 *    while banners and navigation above it appear once;
 * 2. else the first headline-like line before the first paragraph;
 * 3. else the first line, shortened at a word boundary.
 * Lines inside `boilerplate` ranges are never used.
 */
export function findTitle(text: string, boilerplate: ReadonlyArray<readonly [number, number]> = []): string {
  const lines: string[] = [];
  let start = 0;
  while (start < Math.min(text.length, SCAN_CHARS)) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text
      .slice(start, end)
      .replace(/^#+\s*/, '')
      .replace(/\s+/g, ' ')
      .trim();
    const isBoilerplate = boilerplate.some(([from, to]) => from <= start && end <= to);
    if (line.length > 0 && !isBoilerplate) lines.push(line);
    start = end + 1;
  }
  const repeated = lines.find(
    (line, index) =>
      isHeadlineLike(line) &&
      lines.some(
        (other, otherIndex) => otherIndex !== index && (other === line || other.endsWith(` ${line}`)),
      ),
  );
  if (repeated) return shorten(repeated);
  // A headline comes before the prose: stop at the first paragraph-length line.
  const prose = lines.findIndex((line) => line.length > 150);
  const headline = lines.slice(0, prose === -1 ? lines.length : prose).find(isHeadlineLike);
  if (headline) return shorten(headline);
  return shorten(lines[0] ?? '');
}

/** Cuts a title at the last word boundary that fits, with an ellipsis. */
export function shorten(title: string, maxChars = MAX_TITLE_CHARS): string {
  if (title.length <= maxChars) return title;
  const cut = title.lastIndexOf(' ', maxChars - 1);
  return `${title.slice(0, cut > maxChars / 2 ? cut : maxChars - 1).replace(/[\s,;:]+$/, '')}…`;
}
