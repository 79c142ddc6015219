import { promises as fs } from 'node:fs';
import path from 'node:path';
import { analyze } from '../text/index.js';
import type { LexicalHit, LexicalIndex } from '../types.js';
import { fourByteAligned } from './four-byte-aligned.js';

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
/**
 * Header: version, documents, terms, postings, bytes of the term list (Uint32), then the average
 * length (Float64), little-endian; the arrays after it are in the machine's order, as vectors.f32.
 */
const HEADER_BYTES = 5 * 4 + 4 + 8;

/** The building form: each term's documents (positions, ascending) and its count in each. */
type GrowingPostings = Map<string, { documents: number[]; counts: number[] }>;

/** The searching form, as saved: term `t`'s postings are at `starts[t]` up to `starts[t + 1]`. */
interface FlatPostings {
  terms: Map<string, number>;
  starts: Uint32Array;
  documents: Uint32Array;
  counts: Uint32Array;
}

/**
 * BM25 keyword search over chunk texts, scored as MiniSearch 7 scores it (Okapi BM25 with
 * `d = 0`, a term's weight multiplying its score, and each document's sum multiplied by the
 * number of query terms it matched, which favours passages covering more of the question), so
 * rankings are those of the MiniSearch index Footnote used before; a test checks they are equal
 * to MiniSearch's, score for score.
 *
 * It keeps only what that search reads: for each term the documents containing it with its count,
 * and each document's number of distinct terms, in flat arrays that are saved as they are
 * (`lexical.bin`), so loading builds no tree of maps: on BBC (10,315 chunks, 535,000 postings)
 * loading MiniSearch's JSON was the largest part of a server's start (see BENCHMARKS.md).
 */
export class Bm25LexicalIndex implements LexicalIndex {
  private readonly frequencies = new Map<string, number>();
  /** Present while documents are being added; flattened on the first search or save. */
  private growing: GrowingPostings | undefined;
  /** Present once flattened (or loaded); dropped by the next `add`. */
  private flat: FlatPostings | undefined;

  private constructor(
    private readonly options: Bm25Options,
    /** The caller's id of each document, by position. */
    private readonly ids: number[],
    /** Distinct terms of each document, by position. */
    private lengths: number[] | Uint32Array,
    postings: GrowingPostings | FlatPostings,
    private averageLength: number,
  ) {
    if (postings instanceof Map) this.growing = postings;
    else this.flat = postings;
  }

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
    // The arrays are views of the bytes read (no copy) when they sit on a 4-byte boundary.
    const aligned = fourByteAligned(bytes);
    const { buffer, byteOffset } = aligned;
    const header = new DataView(buffer, byteOffset, HEADER_BYTES);
    const [version, documentCount, termCount, postingCount, termBytes] = [0, 1, 2, 3, 4].map((index) =>
      header.getUint32(4 * index, true),
    ) as [number, number, number, number, number];
    if (version !== LAYOUT_VERSION)
      throw new Error(`${LEXICAL_INDEX_FILE} has layout ${version}, not ${LAYOUT_VERSION}`);
    const sizes = [documentCount, documentCount, termCount + 1, postingCount, postingCount];
    const expected = HEADER_BYTES + sizes.reduce((sum, size) => sum + 4 * size, 0) + termBytes;
    if (bytes.length !== expected)
      throw new Error(`${LEXICAL_INDEX_FILE} has ${bytes.length} bytes, its header says ${expected}`);
    const averageLength = header.getFloat64(24, true);
    let offset = byteOffset + HEADER_BYTES;
    const [ids, lengths, starts, documents, counts] = sizes.map((size) => {
      const array = new Uint32Array(buffer, offset, size);
      offset += 4 * size;
      return array;
    }) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const terms = JSON.parse(Buffer.from(buffer, offset, termBytes).toString('utf8')) as string[];
    if (terms.length !== termCount)
      throw new Error(`${LEXICAL_INDEX_FILE} lists ${terms.length} terms, its header says ${termCount}`);
    for (let term = 0; term < termCount; term++)
      if (starts[term]! > starts[term + 1]!) throw new Error(`${LEXICAL_INDEX_FILE} has a bad term offset`);
    if (starts[0] !== 0 || starts[termCount] !== postingCount)
      throw new Error(`${LEXICAL_INDEX_FILE} has a bad term offset`);
    for (let position = 0; position < postingCount; position++)
      if (documents[position]! >= documentCount)
        throw new Error(`${LEXICAL_INDEX_FILE} points outside its documents`);
    const termIndex = new Map<string, number>();
    for (let term = 0; term < termCount; term++) termIndex.set(terms[term]!, term);
    return new Bm25LexicalIndex(
      { ...defaultBm25Options, ...options },
      Array.from(ids),
      lengths,
      { terms: termIndex, starts, documents, counts },
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
    this.growing ??= growingOf(this.flat!);
    const postings = this.growing;
    this.flat = undefined;
    const document = this.ids.length;
    const counts = new Map<string, number>();
    for (const term of analyze(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
    this.ids.push(id);
    if (!Array.isArray(this.lengths)) this.lengths = Array.from(this.lengths);
    this.lengths.push(counts.size);
    // MiniSearch's running average, step for step, so scores stay equal to its own.
    this.averageLength = (this.averageLength * document + counts.size) / (document + 1);
    for (const [term, count] of counts) {
      let entry = postings.get(term);
      if (!entry) {
        entry = { documents: [], counts: [] };
        postings.set(term, entry);
      }
      entry.documents.push(document);
      entry.counts.push(count);
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
    const { terms: termIndex, starts, documents, counts } = this.flattened();
    for (const term of terms) {
      const index = termIndex.get(term);
      if (index === undefined) continue;
      const weight = termWeights?.get(term) ?? 1;
      const first = starts[index]!;
      const end = starts[index + 1]!;
      const matching = end - first;
      const inverse = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      for (let position = first; position < end; position++) {
        const document = documents[position]!;
        const count = counts[position]!;
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
      const { terms, starts } = this.flattened();
      const index = terms.get(term);
      frequency = index === undefined ? 0 : starts[index + 1]! - starts[index]!;
      if (this.frequencies.size < 50_000) this.frequencies.set(term, frequency);
    }
    return frequency;
  }

  private flattened(): FlatPostings {
    this.flat ??= flatten(this.growing!);
    return this.flat;
  }

  /** The bytes `fromBytes` reads: a header, five Uint32 arrays and the terms as a JSON array. */
  toBytes(): Buffer {
    const { terms, starts, documents, counts } = this.flattened();
    const termBytes = Buffer.from(JSON.stringify([...terms.keys()]));
    const documentCount = this.ids.length;
    const arrays = [Uint32Array.from(this.ids), Uint32Array.from(this.lengths), starts, documents, counts];
    const bytes = Buffer.alloc(
      HEADER_BYTES + arrays.reduce((sum, array) => sum + array.byteLength, 0) + termBytes.length,
    );
    const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    for (const [index, value] of [
      LAYOUT_VERSION,
      documentCount,
      terms.size,
      documents.length,
      termBytes.length,
    ].entries())
      header.setUint32(4 * index, value, true);
    header.setFloat64(24, this.averageLength, true);
    let offset = HEADER_BYTES;
    for (const array of arrays) {
      bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
      offset += array.byteLength;
    }
    bytes.set(termBytes, offset);
    return bytes;
  }

  async save(directory: string): Promise<void> {
    await fs.writeFile(path.join(directory, LEXICAL_INDEX_FILE), this.toBytes());
  }
}

/** The searching form of postings being built. */
function flatten(growing: GrowingPostings): FlatPostings {
  const terms = new Map<string, number>();
  const starts = new Uint32Array(growing.size + 1);
  let total = 0;
  for (const entry of growing.values()) total += entry.documents.length;
  const documents = new Uint32Array(total);
  const counts = new Uint32Array(total);
  let position = 0;
  for (const [term, entry] of growing) {
    starts[terms.size] = position;
    terms.set(term, terms.size);
    documents.set(entry.documents, position);
    counts.set(entry.counts, position);
    position += entry.documents.length;
  }
  starts[terms.size] = position;
  return { terms, starts, documents, counts };
}

/** The building form of a flat (loaded) index, to add documents to it. */
function growingOf({ terms, starts, documents, counts }: FlatPostings): GrowingPostings {
  const growing: GrowingPostings = new Map();
  for (const [term, index] of terms) {
    const first = starts[index]!;
    const end = starts[index + 1]!;
    growing.set(term, {
      documents: Array.from(documents.subarray(first, end)),
      counts: Array.from(counts.subarray(first, end)),
    });
  }
  return growing;
}
