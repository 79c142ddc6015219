/**
 * Turns the positioned text items of one PDF page (as pdf.js's `getTextContent` returns them)
 * into plain text in reading order, keeping for every character the item and the position in
 * that item it came from. The server indexes this text; the page's PDF viewer runs the same
 * function on the same items to find which text-layer spans a quote covers. No Node APIs here:
 * the browser bundle imports this file.
 */

/** The fields of a pdf.js `TextItem` this module reads. */
export interface PdfTextItem {
  /** The item's text (empty for a pure end-of-line item). */
  str: string;
  /** `[a, b, c, d, x, y]`: x and y are the baseline start in PDF units (y grows upwards). */
  transform: number[];
  /** Advance width, PDF units. */
  width: number;
  /** Font height, PDF units (0 when unknown: taken from the transform). */
  height: number;
}

/** A paragraph-like block of the page, with its place in the page text. */
export interface PdfTextBlock {
  /** Offsets `[start, end)` of the block in the page text. */
  start: number;
  end: number;
  /** Top and bottom edge, PDF units from the bottom of the page. */
  top: number;
  bottom: number;
}

/** The text of one PDF page, in reading order. */
export interface PdfPageText {
  /** The page's text in reading order. */
  text: string;
  /** For each character of `text`: the index of the item it came from, or -1 for an inserted space or newline. */
  itemOf: Int32Array;
  /** For each character of `text`: its position in the item's `str`. */
  offsetInItem: Int32Array;
  /** The blocks of the page, in reading order. */
  blocks: PdfTextBlock[];
}

interface Fragment {
  items: number[];
  left: number;
  right: number;
  /** Baseline. */
  y: number;
  size: number;
}

interface Block {
  lines: Fragment[];
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Builder of text whose every character remembers where it came from. */
class MappedText {
  text = '';
  readonly itemOf: number[] = [];
  readonly offsetInItem: number[] = [];

  appendItem(item: number, str: string, from = 0, to = str.length): void {
    this.text += str.slice(from, to);
    for (let offset = from; offset < to; offset++) {
      this.itemOf.push(item);
      this.offsetInItem.push(offset);
    }
  }

  appendInserted(str: string): void {
    this.text += str;
    for (let index = 0; index < str.length; index++) {
      this.itemOf.push(-1);
      this.offsetInItem.push(-1);
    }
  }

  /** Drops the last `count` characters (a hyphen at a repaired line break, trailing spaces). */
  drop(count: number): void {
    this.text = this.text.slice(0, this.text.length - count);
    this.itemOf.length -= count;
    this.offsetInItem.length -= count;
  }
}

/** A break at a line end that is a hyphenated word: "ad-" then "vance". */
const HYPHEN_AT_END = /\p{Ll}-$/u;
const STARTS_LOWERCASE = /^\p{Ll}/u;
/** A block that ends like this does not continue into the next one. */
const ENDS_SENTENCE = /[.!?:;"”’)\]]$/;

/**
 * Lays out one page: items become lines (split at wide gaps, so two columns never merge),
 * lines become blocks (lines close below each other that overlap horizontally), and blocks are
 * read in order: running heads first, then column by column, top to bottom, with full-width
 * blocks (a title across both columns) read where they stand. Lines of a block are joined with
 * a space; a word hyphenated across a line break is joined back without its hyphen. Blocks are
 * separated by a blank line, except that a block ending mid-sentence followed by one starting in
 * lower case (a paragraph continued in the next column) is joined with a space.
 */
export function pdfPageText(items: readonly PdfTextItem[]): PdfPageText {
  const blocks = readingOrder(toBlocks(toFragments(items)));
  const out = new MappedText();
  const placed: PdfTextBlock[] = [];
  for (const block of blocks) {
    const blockText = new MappedText();
    block.lines.forEach((line, lineIndex) => {
      if (lineIndex > 0) joinLines(blockText, line, items);
      appendFragment(blockText, line, items);
    });
    if (blockText.text.trim().length === 0) continue;
    const previous = placed[placed.length - 1];
    const continues =
      previous !== undefined && !ENDS_SENTENCE.test(out.text) && STARTS_LOWERCASE.test(blockText.text);
    if (previous && continues && HYPHEN_AT_END.test(out.text)) out.drop(1);
    else if (previous) out.appendInserted(continues ? ' ' : '\n\n');
    const start = out.text.length;
    out.text += blockText.text;
    out.itemOf.push(...blockText.itemOf);
    out.offsetInItem.push(...blockText.offsetInItem);
    // A paragraph continued in the next column is one block of the text.
    if (previous && continues) {
      previous.end = out.text.length;
      previous.bottom = Math.min(previous.bottom, block.bottom);
    } else placed.push({ start, end: out.text.length, top: block.top, bottom: block.bottom });
  }
  return {
    text: out.text,
    itemOf: Int32Array.from(out.itemOf),
    offsetInItem: Int32Array.from(out.offsetInItem),
    blocks: placed,
  };
}

function joinLines(text: MappedText, next: Fragment, items: readonly PdfTextItem[]): void {
  const trailing = text.text.length - text.text.trimEnd().length;
  if (trailing > 0) text.drop(trailing);
  const firstItem = items[next.items[0]!]!;
  if (HYPHEN_AT_END.test(text.text) && STARTS_LOWERCASE.test(firstItem.str.trimStart())) text.drop(1);
  else text.appendInserted(' ');
}

function appendFragment(text: MappedText, fragment: Fragment, items: readonly PdfTextItem[]): void {
  let previousRight: number | undefined;
  for (const index of fragment.items) {
    const item = items[index]!;
    const x = item.transform[4]!;
    // A visible gap between two items of one line is a space the PDF did not write.
    if (
      previousRight !== undefined &&
      x - previousRight > fragment.size * 0.15 &&
      !/\s$/.test(text.text) &&
      !/^\s/.test(item.str)
    )
      text.appendInserted(' ');
    let from = 0;
    let to = item.str.length;
    if (text.text.length === 0 || text.text.endsWith(' '))
      while (from < to && /\s/.test(item.str[from]!)) from++;
    while (to > from && /\s/.test(item.str[to - 1]!) && /\s/.test(item.str[to - 2] ?? '')) to--;
    text.appendItem(index, item.str, from, to);
    previousRight = x + item.width;
  }
}

/** Items grouped into lines: same baseline, split where the horizontal gap is wide (a column gutter). */
function toFragments(items: readonly PdfTextItem[]): Fragment[] {
  const visible = items
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => item.str.trim().length > 0 && item.transform.length >= 6);
  visible.sort(
    (a, b) => b.item.transform[5]! - a.item.transform[5]! || a.item.transform[4]! - b.item.transform[4]!,
  );
  const rows: Array<typeof visible> = [];
  for (const entry of visible) {
    const size = sizeOf(entry.item);
    const row = rows[rows.length - 1];
    const baseline = row?.[0]?.item.transform[5];
    if (row && baseline !== undefined && Math.abs(baseline - entry.item.transform[5]!) < size * 0.5)
      row.push(entry);
    else rows.push([entry]);
  }
  const fragments: Fragment[] = [];
  for (const row of rows) {
    row.sort((a, b) => a.item.transform[4]! - b.item.transform[4]!);
    let current: Fragment | undefined;
    for (const { item, index } of row) {
      const left = item.transform[4]!;
      const size = sizeOf(item);
      if (current && left - current.right <= Math.max(current.size, size) * 1.5) {
        current.items.push(index);
        current.right = Math.max(current.right, left + item.width);
        current.size = Math.max(current.size, size);
      } else {
        current = { items: [index], left, right: left + item.width, y: item.transform[5]!, size };
        fragments.push(current);
      }
    }
  }
  return fragments;
}

function sizeOf(item: PdfTextItem): number {
  const size = item.height > 0 ? item.height : Math.hypot(item.transform[2]!, item.transform[3]!);
  return size > 0 ? size : 10;
}

/** Lines grouped into blocks: each line joins the block whose last line sits just above it and overlaps it. */
function toBlocks(fragments: Fragment[]): Block[] {
  const blocks: Block[] = [];
  for (const fragment of fragments) {
    const target = blocks.find((block) => {
      const last = block.lines[block.lines.length - 1]!;
      const gap = last.y - fragment.y;
      const sameSize = Math.max(last.size, fragment.size) / Math.min(last.size, fragment.size) < 1.25;
      return (
        gap > 0 &&
        gap <= last.size * 1.8 &&
        sameSize &&
        fragment.left < last.right &&
        last.left < fragment.right
      );
    });
    if (target) {
      target.lines.push(fragment);
      target.left = Math.min(target.left, fragment.left);
      target.right = Math.max(target.right, fragment.right);
      target.bottom = fragment.y;
    } else
      blocks.push({
        lines: [fragment],
        left: fragment.left,
        right: fragment.right,
        top: fragment.y + fragment.size,
        bottom: fragment.y,
      });
  }
  return blocks;
}

/** Running heads first and running feet last, then the body cut into columns and bands. */
function readingOrder(blocks: Block[]): Block[] {
  const remaining = [...blocks].sort((a, b) => b.top - a.top);
  const heads: Block[] = [];
  const feet: Block[] = [];
  // A block wholly above (or below) everything else on the page is read first (or last).
  while (
    remaining.length > 1 &&
    remaining[0]!.bottom > Math.max(...remaining.slice(1).map((block) => block.top))
  )
    heads.push(remaining.shift()!);
  remaining.sort((a, b) => a.bottom - b.bottom);
  while (
    remaining.length > 1 &&
    remaining[0]!.top < Math.min(...remaining.slice(1).map((block) => block.bottom))
  )
    feet.unshift(remaining.shift()!);
  return [...heads, ...cut(remaining), ...feet];
}

/** Recursive cut: columns where a vertical gutter exists, else bands between full-width blocks. */
function cut(blocks: Block[]): Block[] {
  if (blocks.length <= 1) return blocks;
  const columns = splitByGaps(
    blocks,
    (block) => [block.left, block.right],
    (a, b) => a - b,
  );
  if (columns.length > 1) return columns.flatMap(cut);
  // Blocks that span the others' gutter (a title across two columns) separate bands read in turn.
  const left = Math.min(...blocks.map((block) => block.left));
  const right = Math.max(...blocks.map((block) => block.right));
  const wide = blocks.filter((block) => block.right - block.left > (right - left) * 0.6);
  const narrow = blocks.filter((block) => !wide.includes(block));
  if (
    wide.length > 0 &&
    narrow.length > 1 &&
    splitByGaps(
      narrow,
      (block) => [block.left, block.right],
      (a, b) => a - b,
    ).length > 1
  ) {
    const out: Block[] = [];
    let band: Block[] = [];
    for (const block of [...blocks].sort((a, b) => b.top - a.top)) {
      if (wide.includes(block)) {
        out.push(...cut(band), block);
        band = [];
      } else band.push(block);
    }
    return [...out, ...cut(band)];
  }
  const rows = splitByGaps(
    blocks,
    (block) => [-block.top, -block.bottom],
    (a, b) => a - b,
  );
  if (rows.length > 1) return rows.flatMap(cut);
  return [...blocks].sort((a, b) => b.top - a.top || a.left - b.left);
}

/** Groups blocks whose projections (as `[from, to]` intervals) overlap, in order along the axis. */
function splitByGaps(
  blocks: Block[],
  interval: (block: Block) => [number, number],
  compare: (a: number, b: number) => number,
): Block[][] {
  const sorted = [...blocks].sort((a, b) => compare(interval(a)[0], interval(b)[0]));
  const groups: Block[][] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const block of sorted) {
    const [from, to] = interval(block);
    const group = groups[groups.length - 1];
    if (group && from < reach) group.push(block);
    else groups.push([block]);
    reach = Math.max(reach, to);
  }
  return groups;
}
