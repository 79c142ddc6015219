/**
 * Turns the AG News test CSV (`class,title,description`, no header) into corpus documents, so
 * benchmarks can index a public set of short news items.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { FootnoteError } from '../errors.js';

/** One AG News item. */
export interface AgNewsRow {
  /** 0-based position among the CSV's records. */
  row: number;
  /** `world`, `sports`, `business` or `sci-tech` (`other` for an unknown class number). */
  category: string;
  title: string;
  description: string;
}

const AG_NEWS_CLASSES = ['world', 'sports', 'business', 'sci-tech'];

/**
 * The rows of AG News' CSV text (RFC 4180 quoting); records with fewer than three fields are
 * skipped.
 *
 * @example
 * parseAgNews('"3","Fears for pension","Unions say..."\n')[0]?.category // 'business'
 */
export function parseAgNews(content: string): AgNewsRow[] {
  const records = parse(content, {
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
  }) as string[][];
  return records
    .filter((fields) => fields.length >= 3)
    .map((fields, row) => ({
      row,
      category: AG_NEWS_CLASSES[Number(fields[0]) - 1] ?? 'other',
      title: fields[1]!.trim(),
      description: fields[2]!.trim(),
    }));
}

/**
 * Reads an AG News CSV file (e.g. `agnews/test.csv`).
 *
 * @throws FootnoteError `invalid_request` when the file cannot be read or is not CSV.
 */
export async function loadAgNews(file: string): Promise<AgNewsRow[]> {
  try {
    return parseAgNews(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FootnoteError(
      'invalid_request',
      `AG News file ${file} cannot be read as CSV (${(error as Error).message}); expected "class","title","description" rows`,
      { cause: error },
    );
  }
}

/**
 * One AG News row as a corpus document, `<category>/<row>.txt`: the title as its first line,
 * then the description (AG News writes line breaks inside descriptions as a backslash).
 */
export function agNewsDocument(row: AgNewsRow): { source: string; text: string } {
  return {
    source: `${row.category}/${String(row.row).padStart(4, '0')}.txt`,
    text: `${row.title}\n\n${row.description.replaceAll('\\', '\n')}\n`,
  };
}
