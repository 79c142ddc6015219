import { createRequire } from 'node:module';
import type { convert as Convert } from 'html-to-text';
import type { Parser } from 'htmlparser2';
import { LineIndex } from '../text/index.js';
import type { SourceDocument } from '../types.js';
import { findBoilerplate } from './boilerplate.js';
import { findTitle } from './find-title.js';

let convertHtml: typeof Convert | undefined;

/** html-to-text, loaded on the first HTML file (~85 ms that plain-text corpora never pay). */
function convert(...parameters: Parameters<typeof Convert>): string {
  convertHtml ??= (createRequire(import.meta.url)('html-to-text') as { convert: typeof Convert }).convert;
  return convertHtml(...parameters);
}

let htmlparser2: typeof import('htmlparser2') | undefined;

/** A new htmlparser2 `Parser`, the library loaded on the first HTML or Word file (off the server's start). */
export function htmlParser(...parameters: ConstructorParameters<typeof Parser>): Parser {
  htmlparser2 ??= createRequire(import.meta.url)('htmlparser2') as typeof import('htmlparser2');
  return new htmlparser2.Parser(...parameters);
}

/** The formats Footnote reads as text. */
export type SourceFormat = SourceDocument['format'];

/** File extensions Footnote reads, and how. Any other file is skipped with a warning. */
export const FORMAT_BY_EXTENSION: Record<string, SourceFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

/** Formats whose files are binary containers; their text is extracted, not decoded. */
export const BINARY_FORMATS: ReadonlySet<SourceFormat> = new Set(['pdf', 'docx']);

/** File bytes decoded to text, and the encoding that decoded them. */
export interface DecodedText {
  text: string;
  encoding: SourceDocument['encoding'];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decodes bytes as UTF-8, or as Latin-1 (Windows-1252) when they are not valid UTF-8. */
export function decodeText(bytes: Uint8Array): DecodedText {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: latin1.decode(bytes), encoding: 'latin1' };
  }
}

/** True when the bytes look binary (a NUL byte in the first 8 KB). */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/** A decoded file as the index keeps it: its text, title and boilerplate ranges. */
export interface ExtractedText {
  text: string;
  title: string;
  boilerplate: Array<[number, number]>;
  /** HTML: lines of the original file (see `SourceDocument.originalLines`). */
  originalLines?: Array<[number, number]>;
}

/**
 * Turns decoded file content into the text Footnote indexes. Plain text and Markdown are kept
 * exactly as they are; HTML is converted to text (tags stripped, entities decoded) and that
 * text becomes the document every offset refers to.
 */
export function extractText(content: string, format: SourceFormat): ExtractedText {
  if (format === 'html') {
    const title = decodeEntities(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(content)?.[1] ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    const text = convert(content, {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
        { selector: 'nav', format: 'skip' },
        { selector: 'h1', options: { uppercase: false } },
        { selector: 'h2', options: { uppercase: false } },
        { selector: 'h3', options: { uppercase: false } },
        { selector: 'table', format: 'dataTable' },
      ],
    });
    const boilerplate = findBoilerplate(text);
    return {
      text,
      title: title || findTitle(text, boilerplate),
      boilerplate,
      originalLines: originalLines(content, text),
    };
  }
  const boilerplate = findBoilerplate(content);
  const heading = format === 'markdown' ? /^#{1,3}\s+(.+)$/m.exec(content)?.[1]?.trim() : undefined;
  return { text: content, title: heading ?? findTitle(content, boilerplate), boilerplate };
}

/** Elements whose text html-to-text does not write (or that the conversion above skips). */
const UNWRITTEN = new Set(['head', 'title', 'script', 'style', 'noscript', 'template', 'nav', 'svg']);
/** How far ahead in the HTML a word of the text is looked for before it is given up. */
const ALIGN_WINDOW = 200;
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Which line of the HTML file each part of the converted text came from: the words of the
 * text are matched, in order, to the words of the HTML's text nodes (whose positions in the
 * file htmlparser2 reports). Returns `[textOffset, line]` pairs where the line changes.
 */
export function originalLines(html: string, text: string): Array<[number, number]> {
  const words: Array<{ word: string; at: number }> = [];
  let skipping = 0;
  const parser = htmlParser(
    {
      onopentag(name) {
        if (UNWRITTEN.has(name)) skipping++;
      },
      onclosetag(name) {
        if (UNWRITTEN.has(name) && skipping > 0) skipping--;
      },
      ontext(data) {
        if (skipping > 0) return;
        // Entities are blanked out (same length) so they neither match nor shift positions.
        const raw = data.replace(/&[#\w]+;/g, (entity) => ' '.repeat(entity.length));
        for (const match of raw.matchAll(WORD))
          words.push({ word: match[0].toLowerCase(), at: parser.startIndex + match.index });
      },
    },
    { decodeEntities: false },
  );
  parser.write(html);
  parser.end();

  const lines = new LineIndex(html);

  const anchors: Array<[number, number]> = [[0, 1]];
  let cursor = 0;
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLowerCase();
    const limit = Math.min(words.length, cursor + ALIGN_WINDOW);
    for (let index = cursor; index < limit; index++) {
      if (words[index]!.word !== word) continue;
      const line = lines.lineOf(words[index]!.at);
      const last = anchors[anchors.length - 1]!;
      if (anchors.length === 1 && last[1] === 1) anchors[0] = [0, line];
      else if (line !== last[1]) anchors.push([match.index, line]);
      cursor = index + 1;
      break;
    }
  }
  return anchors;
}

function decodeEntities(text: string): string {
  return convert(text, { wordwrap: false });
}
