import { describe, expect, it } from 'vitest';
import { type PdfTextItem, pdfPageText } from '../../src/ingest/pdf-page-text.js';

/** A text item as pdf.js reports it: baseline at (x, y), 10-point text, 5 units per character. */
function item(str: string, x: number, y: number): PdfTextItem {
  return { str, transform: [10, 0, 0, 10, x, y], width: str.length * 5, height: 10 };
}

describe('pdfPageText', () => {
  const items = [
    item('Running head', 50, 800),
    item('Left column starts here and', 50, 700),
    item('Right column text is read', 320, 700),
    item('goes on with a hyphen-', 50, 686),
    item('after the left column.', 320, 686),
    item('ated word.', 50, 672),
    item('', 50, 672),
    item('Page 1', 50, 40),
  ];

  it('reads columns one after the other, repairs the hyphenated word, keeps head and foot in place', () => {
    const { text } = pdfPageText(items);
    expect(text).toBe(
      'Running head\n\nLeft column starts here and goes on with a hyphenated word.\n\nRight column text is read after the left column.\n\nPage 1',
    );
  });

  it('maps every character back to the item and position it came from', () => {
    const { text, itemOf, offsetInItem } = pdfPageText(items);
    let mapped = 0;
    for (let index = 0; index < text.length; index++) {
      const from = itemOf[index]!;
      if (from < 0) {
        expect(text[index]).toMatch(/\s/);
        continue;
      }
      expect(items[from]!.str[offsetInItem[index]!]).toBe(text[index]);
      mapped++;
    }
    // Only the inserted separators are unmapped; the dropped hyphen is in no character at all.
    expect(mapped).toBe(text.replace(/\n\n| (?=goes|ated|after)/g, '').length);
  });

  it('joins a paragraph that continues into the next column with a space', () => {
    const { text, blocks } = pdfPageText([
      item('The sentence begins in one column', 50, 700),
      item('and ends in the next one.', 320, 700),
    ]);
    expect(text).toBe('The sentence begins in one column and ends in the next one.');
    expect(blocks).toHaveLength(1);
  });

  it('reads a title across both columns before them', () => {
    const { text } = pdfPageText([
      item('A Title That Spans Both Of The Columns On The Page Here', 50, 760),
      item('Left one.', 50, 700),
      item('Right one.', 320, 700),
    ]);
    expect(text).toBe('A Title That Spans Both Of The Columns On The Page Here\n\nLeft one.\n\nRight one.');
  });
});
