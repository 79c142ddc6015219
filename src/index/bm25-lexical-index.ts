import { promises as fs } from 'node:fs';
import path from 'node:path';
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
export const LEXICAL_INDEX_FILE = 'lexical.bin';

/** Version of the `lexical.bin` layout, its first number. */
const LAYOUT_VERSION = 1;
/** Header: version, documents, terms, postings, bytes of the term list (Uint32), then the average length (Float64). */
const HEADER_BYTES = 5 * 4 + 4 + 8;

/** The chunks containing one term: document positions, ascending, and the term's count in each. */
interface Postings {
  documents: number[] | Uint32Array;
  counts: number[] | Uint32Array;
}

/**
 * BM25 keyword search over chunk texts, scored as MiniSearch 7 scores it (Okapi BM25 with
 * `d = 0`, a term's weight multiplying its score, and each document's sum multiplied by the
 * number of query terms it matched, which favours passages covering more of the question), so
 * rankings are those of the MiniSearch index Footnote used before; a test checks they are equal
 * to MiniSearch's, score for score.
 *
 * It keeps only what that search reads: for each term the documents containing it with its count,
 * and each document's number of distinct terms. Saved as flat arrays (`lexical.bin`), it loads
 * without building a tree of maps: on BBC (10,315 chunks, 535,000 postings) loading MiniSearch's
 * JSON was the largest part of a server's start (see BENCHMARKS.md).
 */
export class Bm25LexicalIndex implements LexicalIndex {
  private readonly frequencies = new Map<string, number>();

  private constructor(
    private readonly options: Bm25Options,
    /** The caller's id of each document, by position. */
    private readonly ids: number[],
    /** Distinct terms of each document, by position. */
    private lengths: number[] | Uint32Array,
    private readonly postings: Map<string, Postings>,
    private averageLength: number,
  ) {}

  static create(options: Partial<Bm25Options> = {}): Bm25LexicalIndex {
    return new Bm25LexicalIndex({ ...defaultBm25Options, ...options }, [], [], new Map(), 0);
  }

  static async load(directory: string, options: Partial<Bm25Options> = {}): Promise<Bm25LexicalIndex> {
    return Bm25LexicalIndex.fromBytes(await fs.readFile(path.join(directory, LEXICAL_INDEX_FILE)), options);
  }

  /**
   * Restores an index from the bytes that `save` wrote.
   * @throws Error when the bytes are not a whole index of this layout.
   */
  static fromBytes(bytes: Uint8Array, options: Partial<Bm25Options> = {}): Bm25LexicalIndex {
    if (bytes.length < HEADER_BYTES) throw new Error(`${LEXICAL_INDEX_FILE} is shorter than its header`);
    // A copy, so every array below is aligned whatever the offset of `bytes`.
    const buffer = new ArrayBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
    const [version, documentCount, termCount, postingCount, termBytes] = new Uint32Array(buffer, 0, 5);
    if (version !== LAYOUT_VERSION)
      throw new Error(`${LEXICAL_INDEX_FILE} has layout ${version}, not ${LAYOUT_VERSION}`);
    const sizes = [documentCount!, documentCount!, termCount! + 1, postingCount!, postingCount!];
    const expected = HEADER_BYTES + sizes.reduce((sum, size) => sum + 4 * size, 0) + termBytes!;
    if (bytes.length !== expected)
      throw new Error(`${LEXICAL_INDEX_FILE} has ${bytes.length} bytes, its header says ${expected}`);
    const averageLength = new Float64Array(buffer, 24, 1)[0]!;
    let offset = HEADER_BYTES;
    const [ids, lengths, starts, documents, counts] = sizes.map((size) => {
      const array = new Uint32Array(buffer, offset, size);
      offset += 4 * size;
      return array;
    }) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const terms = JSON.parse(Buffer.from(buffer, offset, termBytes).toString('utf8')) as string[];
    if (terms.length !== termCount || starts[termCount] !== postingCount)
      throw new Error(`${LEXICAL_INDEX_FILE} lists ${terms.length} terms, its header says ${termCount}`);
    for (const document of documents)
      if (document >= documentCount!) throw new Error(`${LEXICAL_INDEX_FILE} points outside its documents`);
    const postings = new Map<string, Postings>();
    for (const [index, term] of terms.entries()) {
      const start = starts[index]!;
      const end = starts[index + 1]!;
      if (end < start || end > postingCount!) throw new Error(`${LEXICAL_INDEX_FILE} has a bad term offset`);
      postings.set(term, { documents: documents.subarray(start, end), counts: counts.subarray(start, end) });
    }
    return new Bm25LexicalIndex(
      { ...defaultBm25Options, ...options },
      Array.from(ids),
      lengths,
      postings,
      averageLength,
    );
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: number, text: string): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
      throw new Error(`a lexical index id is a row number, not ${id}`);
    this.frequencies.clear();
    const document = this.ids.length;
    const counts = new Map<string, number>();
    for (const term of analyze(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
    this.ids.push(id);
    this.lengths = growable(this.lengths);
    this.lengths.push(counts.size);
    // MiniSearch's running average, step for step, so scores stay equal to its own.
    this.averageLength = (this.averageLength * document + counts.size) / (document + 1);
    for (const [term, count] of counts) {
      let postings = this.postings.get(term);
      if (!postings) {
        postings = { documents: [], counts: [] };
        this.postings.set(term, postings);
      }
      postings.documents = growable(postings.documents);
      postings.counts = growable(postings.counts);
      postings.documents.push(document);
      postings.counts.push(count);
    }
  }

  addAll(entries: Array<{ id: number; text: string }>): void {
    for (const { id, text } of entries) this.add(id, text);
  }

  search(query: string, k: number, termWeights?: ReadonlyMap<string, number>): LexicalHit[] {
    // Each distinct term once: a word repeated in the question must not count twice.
    const terms = [...new Set(analyze(query))];
    const found = new Map<number, { score: number; terms: number }>();
    const total = this.ids.length;
    const { k1, b } = this.options;
    for (const term of terms) {
      const postings = this.postings.get(term);
      if (!postings) continue;
      const weight = termWeights?.get(term) ?? 1;
      const matching = postings.documents.length;
      const inverse = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      for (let index = 0; index < matching; index++) {
        const document = postings.documents[index]!;
        const count = postings.counts[index]!;
        const length = this.lengths[document]!;
        // MiniSearch's calcBM25Score (d = 0) times the term's boost, in its order of operations.
        const score =
          weight *
          (inverse * (0 + (count * (k1 + 1)) / (count + k1 * (1 - b + (b * length) / this.averageLength))));
        const result = found.get(document);
        if (result) {
          result.score += score;
          result.terms += 1;
        } else found.set(document, { score, terms: 1 });
      }
    }
    const results: LexicalHit[] = [];
    for (const [document, result] of found)
      results.push({ id: this.ids[document]!, score: result.score * result.terms });
    // Stable: equal scores keep the order documents were first found in, as MiniSearch does.
    results.sort((first, second) => second.score - first.score);
    return results.slice(0, k);
  }

  documentFrequency(term: string): number {
    let frequency = this.frequencies.get(term);
    if (frequency === undefined) {
      frequency = this.postings.get(term)?.documents.length ?? 0;
      if (this.frequencies.size < 50_000) this.frequencies.set(term, frequency);
    }
    return frequency;
  }

  /** The bytes `fromBytes` reads: a header, five Uint32 arrays and the terms as a JSON array. */
  toBytes(): Buffer {
    const terms = [...this.postings.keys()];
    let postingCount = 0;
    for (const postings of this.postings.values()) postingCount += postings.documents.length;
    const termBytes = Buffer.from(JSON.stringify(terms));
    const documentCount = this.ids.length;
    const sizes = [documentCount, documentCount, terms.length + 1, postingCount, postingCount];
    const buffer = new ArrayBuffer(
      HEADER_BYTES + sizes.reduce((sum, size) => sum + 4 * size, 0) + termBytes.length,
    );
    new Uint32Array(buffer, 0, 5).set([
      LAYOUT_VERSION,
      documentCount,
      terms.length,
      postingCount,
      termBytes.length,
    ]);
    new Float64Array(buffer, 24, 1)[0] = this.averageLength;
    let offset = HEADER_BYTES;
    const [ids, lengths, starts, documents, counts] = sizes.map((size) => {
      const array = new Uint32Array(buffer, offset, size);
      offset += 4 * size;
      return array;
    }) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    ids.set(this.ids);
    lengths.set(this.lengths);
    let start = 0;
    terms.forEach((term, index) => {
      const postings = this.postings.get(term)!;
      starts[index] = start;
      documents.set(postings.documents, start);
      counts.set(postings.counts, start);
      start += postings.documents.length;
    });
    starts[terms.length] = start;
    new Uint8Array(buffer, offset).set(termBytes);
    return Buffer.from(buffer);
  }

  async save(directory: string): Promise<void> {
    await fs.writeFile(path.join(directory, LEXICAL_INDEX_FILE), this.toBytes());
  }
}

/** An array that `push` works on: a loaded index's arrays are typed, and copied on its first change. */
function growable(array: number[] | Uint32Array): number[] {
  return Array.isArray(array) ? array : Array.from(array);
}
