import { createRequire } from 'node:module';
import { findBoilerplate } from './boilerplate.js';
import { type ExtractedText, htmlParser } from './extract-text.js';
import { findTitle } from './find-title.js';

type Mammoth = typeof import('mammoth');
type JsZip = typeof import('jszip');
let libraries: { mammoth: Mammoth; jszip: JsZip } | undefined;

/** mammoth and JSZip, loaded on the first Word file. */
function load(): { mammoth: Mammoth; jszip: JsZip } {
  const require = createRequire(import.meta.url);
  libraries ??= { mammoth: require('mammoth') as Mammoth, jszip: require('jszip') as JsZip };
  return libraries;
}

/** Why a Word file yields no text; the file is skipped with this as the reason. */
export class DocxSkipped extends Error {}

/** A Word document's text with the heading path of each part. */
export interface ExtractedDocx extends ExtractedText {
  sections: Array<[number, string[]]>;
}

/**
 * Extracts a `.docx` file with mammoth (Word's styles mapped to headings, lists, tables) and
 * writes it as text: one block per heading, paragraph, list item (`• ` or `1. `) and table row
 * (cells joined by ` | `; under a header row, each cell is labelled with its column's header),
 * blocks separated by a blank line. Every heading opens a section whose path (outer headings
 * first) locates the text below it. The title comes from the document properties, else the
 * first heading, else the headline.
 */
export async function extractDocx(bytes: Uint8Array): Promise<ExtractedDocx> {
  const { mammoth, jszip } = load();
  let html: string;
  let coreTitle = '';
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    html = (await mammoth.convertToHtml({ buffer })).value;
    const core = await (await jszip.loadAsync(buffer)).file('docProps/core.xml')?.async('string');
    coreTitle = decodeXml(/<dc:title>([\s\S]*?)<\/dc:title>/.exec(core ?? '')?.[1] ?? '')
      .replace(/\s+/g, ' ')
      .trim();
  } catch (error) {
    throw new DocxSkipped(
      `not a readable Word file (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const { text, sections, firstHeading } = writeText(html);
  if (text.trim().length === 0) throw new DocxSkipped('no text in the document');
  const boilerplate = findBoilerplate(text);
  return { text, title: coreTitle || firstHeading || findTitle(text, boilerplate), boilerplate, sections };
}

interface Cell {
  text: string;
  header: boolean;
}

/** Walks mammoth's HTML and writes the blocks, recording where each section starts. */
function writeText(html: string): {
  text: string;
  sections: Array<[number, string[]]>;
  firstHeading: string;
} {
  let text = '';
  const sections: Array<[number, string[]]> = [];
  let headingPath: string[] = [];
  let firstHeading = '';
  let current: string | undefined;
  let headingLevel = 0;
  const lists: Array<{ ordered: boolean; count: number }> = [];
  let row: Cell[] | undefined;
  let headers: string[] | undefined;
  let cellDepth = 0;
  let cell: Cell | undefined;

  const writeBlock = (block: string) => {
    const clean = block.replace(/\s+/g, ' ').trim();
    if (clean.length === 0) return;
    if (text.length > 0) text += '\n\n';
    text += clean;
  };

  const parser = htmlParser(
    {
      onopentag(name) {
        if (cell) {
          if (name === 'p' && cell.text.length > 0) cell.text += ' ';
          return;
        }
        if (/^h[1-6]$/.test(name)) {
          headingLevel = Number(name[1]);
          current = '';
        } else if (name === 'ul' || name === 'ol') lists.push({ ordered: name === 'ol', count: 0 });
        else if (name === 'li') {
          const list = lists[lists.length - 1];
          if (current !== undefined) writeBlock(current);
          if (list) list.count++;
          const marker = list?.ordered ? `${list.count}. ` : '• ';
          current = `${'  '.repeat(Math.max(0, lists.length - 1))}${marker}`;
        } else if (name === 'p' && current === undefined) current = '';
        else if (name === 'table') headers = undefined;
        else if (name === 'tr') row = [];
        else if ((name === 'td' || name === 'th') && row) {
          cellDepth++;
          cell = { text: '', header: name === 'th' };
        } else if (name === 'br' && current !== undefined) current += ' ';
      },
      ontext(data) {
        if (cell) cell.text += data;
        else if (current !== undefined) current += data;
      },
      onclosetag(name) {
        if ((name === 'td' || name === 'th') && cell && row) {
          cellDepth--;
          if (cellDepth === 0) {
            row.push({ text: cell.text.replace(/\s+/g, ' ').trim(), header: cell.header });
            cell = undefined;
          }
          return;
        }
        if (cell) return;
        if (/^h[1-6]$/.test(name) && current !== undefined) {
          const heading = current.replace(/\s+/g, ' ').trim();
          current = undefined;
          if (heading.length === 0) return;
          headingPath = [...headingPath.slice(0, headingLevel - 1), heading];
          firstHeading ||= heading;
          sections.push([text.length === 0 ? 0 : text.length + 2, headingPath]);
          writeBlock(heading);
        } else if ((name === 'p' && lists.length === 0) || name === 'li') {
          if (current !== undefined) writeBlock(current);
          current = undefined;
        } else if (name === 'ul' || name === 'ol') lists.pop();
        else if (name === 'tr' && row) {
          if (row.length > 0 && row.every((entry) => entry.header)) {
            headers = row.map((entry) => entry.text);
            writeBlock(headers.join(' | '));
          } else
            writeBlock(
              row
                .map((entry, index) => (headers?.[index] ? `${headers[index]}: ${entry.text}` : entry.text))
                .join(' | '),
            );
          row = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  if (current !== undefined) writeBlock(current);
  return { text, sections, firstHeading };
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
