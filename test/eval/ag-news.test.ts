import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FootnoteError } from '../../src/errors.js';
import { agNewsDocument, loadAgNews, parseAgNews } from '../../src/eval/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AG_NEWS = path.join(ROOT, '..', 'shared', 'datasets', 'agnews', 'test.csv');

describe('AG News adapter', () => {
  it('parses quoted fields with commas, doubled quotes and line breaks, and names the class', () => {
    const rows = parseAgNews(
      '"3","Fears for pension, after talks","Unions say ""disappointed"""\n"2","Two\nlines","Line one\\line two"\r\n"9","x","y"\nshort,row\n',
    );
    expect(rows).toEqual([
      {
        row: 0,
        category: 'business',
        title: 'Fears for pension, after talks',
        description: 'Unions say "disappointed"',
      },
      { row: 1, category: 'sports', title: 'Two\nlines', description: 'Line one\\line two' },
      { row: 2, category: 'other', title: 'x', description: 'y' },
    ]);
    expect(agNewsDocument(rows[1]!)).toEqual({
      source: 'sports/0001.txt',
      text: 'Two\nlines\n\nLine one\nline two\n',
    });
  });

  it('reads the real AG News test set: 7,600 items over the four classes', async () => {
    const rows = await loadAgNews(AG_NEWS);
    expect(rows).toHaveLength(7600);
    expect(new Set(rows.map((row) => row.category))).toEqual(
      new Set(['world', 'sports', 'business', 'sci-tech']),
    );
    expect(rows[0]).toMatchObject({ category: 'business', title: 'Fears for T N pension after talks' });
  });

  it('refuses a missing file with a user error naming it', async () => {
    await expect(loadAgNews('/no/such/test.csv')).rejects.toThrow(FootnoteError);
    await expect(loadAgNews('/no/such/test.csv')).rejects.toThrow(
      /\/no\/such\/test\.csv cannot be read as CSV/,
    );
  });
});
