import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findTitle, shorten } from '../../src/ingest/find-title.js';
import { findBoilerplate } from '../../src/ingest/index.js';

async function titleOf(file: string): Promise<string> {
  const text = await readFile(`corpus/${file}`, 'utf8');
  return findTitle(text, findBoilerplate(text));
}

describe('findTitle', () => {
  it('takes the headline a scraped page repeats, not the site banner above it', async () => {
    expect(await titleOf('004_d26f5ab70bfd6cb2.txt')).toBe('Kerry pushes Syria peace talks with Russian FM');
  });

  it('skips boilerplate lines and takes the first headline-like line', async () => {
    expect(await titleOf('001_377b34821ee142f4.txt')).toBe(
      'Lavrov rebuffs Clinton call to turn screw on Syria',
    );
  });

  it('shortens a first sentence at a word boundary when there is no headline', async () => {
    const title = await titleOf('003_c0837fc8db15ef58.txt');
    expect(title).toBe(
      'U.S. Secretary of State Hillary Clinton on Friday held "constructive" talks with her Russian counterpart Sergei Lavrov…',
    );
    expect(shorten('word '.repeat(50).trim()).length).toBeLessThanOrEqual(120);
    expect(shorten('word '.repeat(50).trim())).toMatch(/\bword…$/);
  });

  it('never takes a headline from after the first paragraph', () => {
    const text = `${'A long opening sentence that reads as prose, '.repeat(5)}end.\nA Later Line Like A Headline\n`;
    expect(findTitle(text)).toMatch(/^A long opening sentence/);
  });
});
