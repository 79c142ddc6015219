import { createRequire } from 'node:module';
import type { convert as Convert } from 'html-to-text';
import type { SourceDocument } from '../types.js';
import { findBoilerplate } from './boilerplate.js';

let convertHtml: typeof Convert | undefined;

/** html-to-text, loaded on the first HTML file (~85 ms that plain-text corpora never pay). */
function convert(...parameters: Parameters<typeof Convert>): string {
  convertHtml ??= (createRequire(import.meta.url)('html-to-text') as { convert: typeof Convert }).convert;
  return convertHtml(...parameters);
}

export type SourceFormat = SourceDocument['format'];

/** File extensions Footnote reads, and how. */
export const FORMAT_BY_EXTENSION: Record<string, SourceFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
};

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

export interface ExtractedText {
  text: string;
  title: string;
  boilerplate: Array<[number, number]>;
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
    return { text, title: title || firstProseLine(text, boilerplate), boilerplate };
  }
  const boilerplate = findBoilerplate(content);
  const heading = format === 'markdown' ? /^#{1,3}\s+(.+)$/m.exec(content)?.[1]?.trim() : undefined;
  return { text: content, title: heading ?? firstProseLine(content, boilerplate), boilerplate };
}

function firstProseLine(text: string, boilerplate: Array<[number, number]>): string {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).trim();
    const isBoilerplate = boilerplate.some(([from, to]) => from <= start && end <= to);
    if (line.length > 0 && !isBoilerplate) return line.replace(/^#+\s*/, '').slice(0, 200);
    start = end + 1;
  }
  return '';
}

function decodeEntities(text: string): string {
  return convert(text, { wordwrap: false });
}
