/**
 * Real PDF and Word files for the tests and the PDF benchmark, generated with pdfkit and docx.
 * Each PDF page has a running header and footer, and the body is set in two columns, with
 * line breaks (and one hyphenated word) placed by hand so reading order and hyphen repair are
 * put to the test.
 */
import {
  AlignmentType,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import PDFDocument from 'pdfkit';

/** One column of one page: lines set exactly as given (a line ending in `-` is a hyphenated break). */
export interface PdfPageSpec {
  left: string[];
  right: string[];
}

export interface PdfSpec {
  title?: string;
  header?: string;
  /** `{page}` and `{pages}` are replaced. */
  footer?: string;
  pages: PdfPageSpec[];
  /** Encrypt with this user password (the file cannot be opened without it). */
  userPassword?: string;
  /** Draw shapes only, no text at all: a scan without a text layer. */
  imageOnly?: boolean;
}

const LINE_HEIGHT = 15;
const LEFT_X = 56;
const RIGHT_X = 316;

/** Writes a PDF and returns its bytes. */
export function makePdf(spec: PdfSpec): Promise<Buffer> {
  const document = new PDFDocument({
    size: 'A4',
    margin: 0,
    autoFirstPage: false,
    ...(spec.title ? { info: { Title: spec.title } } : {}),
    ...(spec.userPassword ? { userPassword: spec.userPassword, pdfVersion: '1.7' as const } : {}),
  });
  const parts: Buffer[] = [];
  document.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise<Buffer>((resolve) => document.on('end', () => resolve(Buffer.concat(parts))));
  spec.pages.forEach((page, index) => {
    document.addPage({ size: 'A4', margin: 0 });
    if (spec.imageOnly) {
      document.rect(LEFT_X, 100, 480, 600).fill('#dddddd');
      return;
    }
    document.font('Helvetica').fontSize(9);
    if (spec.header) document.text(spec.header, LEFT_X, 30, { lineBreak: false });
    document.fontSize(11);
    for (const [x, lines] of [
      [LEFT_X, page.left],
      [RIGHT_X, page.right],
    ] as const) {
      lines.forEach((line, row) => {
        document.text(line, x, 90 + row * LINE_HEIGHT, { lineBreak: false });
      });
    }
    if (spec.footer) {
      document.fontSize(9);
      const footer = spec.footer
        .replace('{page}', String(index + 1))
        .replace('{pages}', String(spec.pages.length));
      document.text(footer, LEFT_X, 800, { lineBreak: false });
    }
  });
  document.end();
  return done;
}

/** Splits prose into lines of at most `width` characters, as a typesetter would. */
export function wrapLines(prose: string, width = 44): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of prose.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** A Word section: a heading, its paragraphs, an optional bulleted list and an optional table. */
export interface DocxSection {
  heading: string;
  level: 1 | 2;
  paragraphs?: string[];
  bullets?: string[];
  /** The first row is the header row. */
  table?: string[][];
}

export interface DocxSpec {
  /** Written to docProps/core.xml. */
  title?: string;
  sections: DocxSection[];
}

/** Writes a .docx file and returns its bytes. */
export async function makeDocx(spec: DocxSpec): Promise<Buffer> {
  const children: Array<Paragraph | Table> = [];
  for (const section of spec.sections) {
    children.push(
      new Paragraph({
        text: section.heading,
        heading: section.level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2,
      }),
    );
    for (const text of section.paragraphs ?? [])
      children.push(new Paragraph({ children: [new TextRun(text)] }));
    for (const text of section.bullets ?? []) children.push(new Paragraph({ text, bullet: { level: 0 } }));
    if (section.table) {
      children.push(
        new Table({
          width: { size: 100, type: WidthType.PERCENTAGE },
          rows: section.table.map(
            (cells, rowIndex) =>
              new TableRow({
                ...(rowIndex === 0 ? { tableHeader: true } : {}),
                children: cells.map(
                  (cell) =>
                    new TableCell({
                      children: [new Paragraph({ text: cell, alignment: AlignmentType.LEFT })],
                    }),
                ),
              }),
          ),
        }),
      );
    }
  }
  const document = new Document({
    ...(spec.title ? { title: spec.title } : {}),
    sections: [{ children }],
  });
  return Packer.toBuffer(document);
}
