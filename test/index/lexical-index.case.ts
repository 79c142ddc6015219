import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LexicalIndex } from '../../src/types.js';

const TEXTS = [
  'Lavrov and Clinton held talks on Syria in New York.',
  'The Magnitsky Act passed the House of Representatives last week.',
  'Kerry phoned Lavrov about the Geneva peace talks.',
  'The penguins of Antarctica are thriving this season.',
];

/** The contract every LexicalIndex implementation must keep. */
export function runLexicalIndexContract(
  name: string,
  implementation: { create: () => LexicalIndex; load: (directory: string) => Promise<LexicalIndex> },
): void {
  describe(`${name} (LexicalIndex contract)`, () => {
    const build = () => {
      const index = implementation.create();
      for (const [id, text] of TEXTS.entries()) index.add(id, text);
      return index;
    };

    it('ranks the passage with the rare query words first, and matches inflected forms', () => {
      const index = build();
      expect(index.search('penguin', 4)[0]?.id).toBe(3);
      expect(index.search('Which act passed the house?', 4)[0]?.id).toBe(1);
      // "talk" matches "talks"; both Lavrov passages match, the one with Geneva wins for this query.
      expect(index.search('geneva talk', 4)[0]?.id).toBe(2);
      expect(index.search('the of and', 4)).toEqual([]);
      expect(index.search('zeppelin', 4)).toEqual([]);
    });

    it('honours term weights and counts document frequencies', () => {
      const index = build();
      expect(index.documentFrequency('lavrov')).toBe(2);
      expect(index.documentFrequency('zeppelin')).toBe(0);
      const weighted = index.search(
        'Syria Geneva',
        4,
        new Map([
          ['syria', 1],
          ['geneva', 0.1],
        ]),
      );
      expect(weighted[0]?.id).toBe(0);
      const flipped = index.search(
        'Syria Geneva',
        4,
        new Map([
          ['syria', 0.1],
          ['geneva', 1],
        ]),
      );
      expect(flipped[0]?.id).toBe(2);
    });

    it('gives identical results after a save → load round trip', async () => {
      const index = build();
      const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-lexical-'));
      await index.save(directory);
      const loaded = await implementation.load(directory);
      expect(loaded.size).toBe(4);
      for (const query of ['Lavrov talks', 'Magnitsky house', 'penguin season'])
        expect(loaded.search(query, 4)).toEqual(index.search(query, 4));
      await fs.rm(directory, { recursive: true });
    });
  });
}
