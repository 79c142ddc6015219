import { promises as fs } from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { analyze } from '../text/index.js';
import type { LexicalHit, LexicalIndex } from '../types.js';

/** BM25 parameters of the lexical index. */
export interface Bm25Options {
  /** Term-frequency saturation. @default 1.2 */
  k1: number;
  /** Length normalisation. @default 0.75 */
  b: number;
}

/** The defaults of `Bm25Options` (the usual BM25 values; tuning them changed little, see DESIGN.md). */
export const defaultBm25Options: Bm25Options = { k1: 1.2, b: 0.75 };

/** File name of the saved lexical index inside an index generation. */
export const LEXICAL_INDEX_FILE = 'lexical.json';

interface IndexedText {
  id: number;
  text: string;
}

function miniSearchOptions(options: Bm25Options) {
  return {
    fields: ['text'],
    storeFields: [],
    // The analyzer already lowercases, drops stop words and stems.
    tokenize: (text: string) => analyze(text),
    processTerm: (term: string) => term,
    searchOptions: { bm25: { k: options.k1, b: options.b, d: 0 }, combineWith: 'OR' as const },
  };
}

/**
 * BM25 keyword search over chunk texts, on MiniSearch (Okapi BM25 with `d = 0`; MiniSearch also
 * multiplies by the number of query terms matched, which favours passages covering more of the
 * question).
 */
export class Bm25LexicalIndex implements LexicalIndex {
  private readonly frequencies = new Map<string, number>();

  private constructor(
    private readonly search_: MiniSearch<IndexedText>,
    private readonly options: Bm25Options,
  ) {}

  static create(options: Partial<Bm25Options> = {}): Bm25LexicalIndex {
    const settings = { ...defaultBm25Options, ...options };
    return new Bm25LexicalIndex(new MiniSearch<IndexedText>(miniSearchOptions(settings)), settings);
  }

  static async load(directory: string, options: Partial<Bm25Options> = {}): Promise<Bm25LexicalIndex> {
    return Bm25LexicalIndex.fromJSON(
      await fs.readFile(path.join(directory, LEXICAL_INDEX_FILE), 'utf8'),
      options,
    );
  }

  /** Restores an index from the JSON that `save` wrote. */
  static fromJSON(json: string, options: Partial<Bm25Options> = {}): Bm25LexicalIndex {
    const settings = { ...defaultBm25Options, ...options };
    return new Bm25LexicalIndex(
      MiniSearch.loadJSON<IndexedText>(json, miniSearchOptions(settings)),
      settings,
    );
  }

  get size(): number {
    return this.search_.documentCount;
  }

  add(id: number, text: string): void {
    this.frequencies.clear();
    this.search_.add({ id, text });
  }

  addAll(entries: IndexedText[]): void {
    this.frequencies.clear();
    this.search_.addAll(entries);
  }

  search(query: string, k: number, termWeights?: ReadonlyMap<string, number>): LexicalHit[] {
    // Each distinct term once: a word repeated in the question must not count twice.
    const terms = [...new Set(analyze(query))];
    if (terms.length === 0) return [];
    const results = this.search_.search(terms.join(' '), {
      tokenize: (text: string) => text.split(' '),
      processTerm: (term: string) => term,
      bm25: { k: this.options.k1, b: this.options.b, d: 0 },
      ...(termWeights ? { boostTerm: (term: string) => termWeights.get(term) ?? 1 } : {}),
    });
    return results.slice(0, k).map((result) => ({ id: result.id as number, score: result.score }));
  }

  documentFrequency(term: string): number {
    let frequency = this.frequencies.get(term);
    if (frequency === undefined) {
      frequency = this.search_.search(term, {
        tokenize: (text) => [text],
        processTerm: (text) => text,
        fuzzy: false,
        prefix: false,
      }).length;
      if (this.frequencies.size < 50_000) this.frequencies.set(term, frequency);
    }
    return frequency;
  }

  async save(directory: string): Promise<void> {
    await fs.writeFile(path.join(directory, LEXICAL_INDEX_FILE), JSON.stringify(this.search_));
  }
}
