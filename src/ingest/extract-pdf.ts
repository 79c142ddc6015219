import { createRequire } from 'node:module';
import path from 'node:path';
import { findBoilerplate } from './boilerplate.js';
import type { ExtractedText } from './extract-text.js';
import { findTitle } from './find-title.js';
import { type PdfTextItem, pdfPageText } from './pdf-page-text.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;

/** pdf.js (its legacy build, the one that runs in Node), loaded on the first PDF. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/** pdf.js's own font and character-map data, read from the package: nothing is fetched. */
function pdfJsDataDirectory(name: 'standard_fonts' | 'cmaps'): string {
  const packageJson = createRequire(import.meta.url).resolve('pdfjs-dist/package.json');
  return `${path.join(path.dirname(packageJson), name)}${path.sep}`;
}

/** Why a PDF yields no text; the file is skipped with this as the reason. */
export class PdfSkipped extends Error {}

/** A PDF's text with the page each part came from. */
export interface ExtractedPdf extends ExtractedText {
  /** Where each page starts in `text`. */
  pages: number[];
}

const NO_TEXT: PdfTextItem = { str: '', transform: [], width: 0, height: 0 };

/** Running heads and feet are looked for in this share of the page height at the top and bottom. */
const MARGIN_SHARE = 0.15;

/**
 * Extracts the text of a PDF with pdf.js: each page laid out in reading order (`pdfPageText`),
 * pages separated by a blank line, the title from the document's metadata (else its headline).
 * Headers and footers that repeat on at least half of the pages (page numbers aside) become
 * boilerplate ranges. Throws `PdfSkipped` for an encrypted file, a file pdf.js cannot read, and
 * a file with no text layer (a scan, which needs OCR).
 */
export async function extractPdf(bytes: Uint8Array): Promise<ExtractedPdf> {
  const { getDocument } = await loadPdfJs();
  const task = getDocument({
    // pdf.js takes ownership of the buffer it is given.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
    standardFontDataUrl: pdfJsDataDirectory('standard_fonts'),
    cMapUrl: pdfJsDataDirectory('cmaps'),
    cMapPacked: true,
  });
  let document: Awaited<typeof task.promise>;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    if ((error as Error)?.name === 'PasswordException')
      throw new PdfSkipped('encrypted PDF (needs a password)');
    throw new PdfSkipped(`not a readable PDF (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    const pieces: string[] = [];
    const pages: number[] = [];
    const margins: Array<{ page: number; start: number; end: number; key: string }> = [];
    let length = 0;
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      // Same items, same indexes as the viewer's text layer (marked content is not requested).
      const laidOut = pdfPageText(content.items.map((item) => ('str' in item ? item : NO_TEXT)));
      page.cleanup();
      if (number > 1) {
        pieces.push('\n\n');
        length += 2;
      }
      pages.push(length);
      const height = page.view[3]! - page.view[1]!;
      for (const block of laidOut.blocks) {
        const inMargin = block.bottom > height * (1 - MARGIN_SHARE) || block.top < height * MARGIN_SHARE;
        if (inMargin)
          margins.push({
            page: number,
            start: length + block.start,
            end: length + block.end,
            key: laidOut.text
              .slice(block.start, block.end)
              .toLowerCase()
              .replace(/\d+/g, '#')
              .replace(/\s+/g, ' '),
          });
      }
      pieces.push(laidOut.text);
      length += laidOut.text.length;
    }
    const text = pieces.join('');
    if (text.trim().length === 0) throw new PdfSkipped('no text layer: needs OCR');
    const boilerplate = [...runningHeadsAndFeet(margins, document.numPages), ...findBoilerplate(text)].sort(
      (a, b) => a[0] - b[0],
    );
    const { info } = (await document.getMetadata()) as { info?: { Title?: unknown } };
    const metadataTitle = typeof info?.Title === 'string' ? cleanTitle(info.Title) : '';
    return { text, title: metadataTitle || findTitle(text, boilerplate), boilerplate, pages };
  } catch (error) {
    // A damaged page or stream: this file is skipped, the rest of the corpus is still indexed.
    if (error instanceof PdfSkipped) throw error;
    throw new PdfSkipped(
      `could not read the PDF's text (${error instanceof Error ? error.message : String(error)})`,
    );
  } finally {
    await document.destroy();
  }
}

/** Margin blocks whose text (digits aside) appears on at least two pages and half of them. */
function runningHeadsAndFeet(
  margins: Array<{ page: number; start: number; end: number; key: string }>,
  pageCount: number,
): Array<[number, number]> {
  const pagesByKey = new Map<string, Set<number>>();
  for (const { key, page } of margins) {
    const seen = pagesByKey.get(key) ?? new Set<number>();
    seen.add(page);
    pagesByKey.set(key, seen);
  }
  const needed = Math.max(2, Math.ceil(pageCount / 2));
  return margins
    .filter(({ key }) => (pagesByKey.get(key)?.size ?? 0) >= needed)
    .map(({ start, end }): [number, number] => [start, end]);
}

/** Metadata titles that name a tool or a file rather than the document are not titles. */
function cleanTitle(title: string): string {
  const trimmed = title
    .replace(/^Microsoft (Word|PowerPoint) - /, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (/^(untitled|document\d*|title)$/i.test(trimmed) || /\.(docx?|pdf|odt|rtf|txt)$/i.test(trimmed))
    return '';
  return trimmed;
}
