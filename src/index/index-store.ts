import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { FootnoteError } from '../errors.js';
import { SourceLocator } from '../text/index.js';
import { type Chunk, chunkIdFor, type SourceDocument, type SourceLocation } from '../types.js';
import { Bm25LexicalIndex, LEXICAL_INDEX_FILE } from './bm25-lexical-index.js';
import { fourByteAligned } from './four-byte-aligned.js';
import { HnswVectorIndex, VECTOR_INDEX_FILE } from './hnsw-vector-index.js';
import { type IndexManifest, indexManifestSchema } from './index-manifest.js';

/**
 * Bumped whenever the files of an index change shape; older indexes must be rebuilt. 4: the
 * manifest's own checksum; 5: PDF and Word sources (pages, sections, original HTML lines);
 * 6: source texts in one text file, the BM25 index as flat arrays (both load several times faster).
 */
export const FORMAT_VERSION = 6;

const CURRENT_FILE = 'CURRENT';
const MANIFEST_FILE = 'manifest.json';
/** SHA-256 of manifest.json's exact bytes, checked before the manifest is parsed. */
const MANIFEST_CHECKSUM_FILE = 'manifest.sha256';
/** Every source but its text, with the text's length (`StoredSource`). */
const SOURCES_FILE = 'sources.json';
/** The texts of all sources, in the order of `sources.json`, one after the other (UTF-8). */
const TEXTS_FILE = 'texts.txt';
const CHUNKS_FILE = 'chunks.json';
const VECTORS_FILE = 'vectors.f32';
const EMBEDDER_STATE_FILE = 'embedder-state.json';
const LOCK_FILE = 'ingest.lock';
/** Who holds the ingest lock (`{ pid, host }`), so a lock left by a dead process can be taken over. */
const LOCK_OWNER_FILE = 'ingest.lock.owner';
const CHECKED_FILES = [
  SOURCES_FILE,
  TEXTS_FILE,
  CHUNKS_FILE,
  VECTORS_FILE,
  VECTOR_INDEX_FILE,
  LEXICAL_INDEX_FILE,
  EMBEDDER_STATE_FILE,
];

/** Everything a built index holds, in memory. */
export interface IndexData {
  manifest: IndexManifest;
  sources: SourceDocument[];
  /** Chunks in row order, grouped by source; a chunk's row is its HNSW label and BM25 id. */
  chunks: Chunk[];
  /** Row `i` is the vector of `chunks[i]`. */
  vectors: Float32Array[];
  /** Opaque state of the embedder fitted at build time (e.g. SIF word statistics). */
  embedderState: unknown;
}

/** An index generation loaded into memory, with its sources looked up by id. */
export interface LoadedIndex extends Omit<IndexData, 'vectors'> {
  /**
   * Every chunk's vector, row after row (`manifest.embedder.dimensions` floats each; see
   * `vectorOf`). Searches use the HNSW graph; these are read only to build the next generation.
   */
  vectorMatrix: Float32Array;
  /** The generation directory it was read from. */
  directory: string;
  vectorIndex: HnswVectorIndex;
  lexicalIndex: Bm25LexicalIndex;
  sourceById: Map<string, SourceDocument>;
}

/** Name of the generation the index directory currently points to, or undefined. */
export function currentGeneration(indexDirectory: string): string | undefined {
  try {
    const name = readFileSync(path.join(indexDirectory, CURRENT_FILE), 'utf8').trim();
    return name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

/** True when an index has been built in this directory. */
export function indexExists(indexDirectory: string): boolean {
  const generation = currentGeneration(indexDirectory);
  return generation !== undefined && existsSync(path.join(indexDirectory, generation, MANIFEST_FILE));
}

/** Reads only the manifest of the current generation (verified), or undefined when there is none or it is damaged. */
export async function readManifest(indexDirectory: string): Promise<IndexManifest | undefined> {
  const generation = currentGeneration(indexDirectory);
  if (!generation) return undefined;
  return readVerifiedManifest(indexDirectory, path.join(indexDirectory, generation)).catch(() => undefined);
}

/**
 * Writes a new generation of the index next to the current one, then switches `CURRENT` to it
 * with an atomic rename. A crash at any point leaves the previous generation in place and
 * loadable; generations older than the previous one are removed after the switch.
 */
export async function writeIndex(
  indexDirectory: string,
  data: IndexData,
  vectorIndex: HnswVectorIndex,
  lexicalIndex: Bm25LexicalIndex,
): Promise<string> {
  await fs.mkdir(indexDirectory, { recursive: true });
  const generation = `gen-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const directory = path.join(indexDirectory, generation);
  await fs.mkdir(directory);
  await fs.writeFile(path.join(directory, SOURCES_FILE), JSON.stringify(data.sources.map(storedSource)));
  await fs.writeFile(path.join(directory, TEXTS_FILE), data.sources.map((source) => source.text).join(''));
  await fs.writeFile(
    path.join(directory, CHUNKS_FILE),
    JSON.stringify(packChunks(data.chunks, data.sources)),
  );
  await fs.writeFile(
    path.join(directory, VECTORS_FILE),
    packVectors(data.vectors, data.manifest.embedder.dimensions),
  );
  await fs.writeFile(path.join(directory, EMBEDDER_STATE_FILE), JSON.stringify(data.embedderState ?? null));
  await vectorIndex.save(directory);
  await lexicalIndex.save(directory);
  const checksums: Record<string, string> = {};
  for (const file of CHECKED_FILES) checksums[file] = await fileChecksum(path.join(directory, file));
  const manifest: IndexManifest = { ...data.manifest, checksums };
  const manifestText = Buffer.from(JSON.stringify(manifest, null, 2));
  await fs.writeFile(path.join(directory, MANIFEST_FILE), manifestText);
  await fs.writeFile(path.join(directory, MANIFEST_CHECKSUM_FILE), sha256(manifestText));
  await syncDirectory(directory);
  const previous = currentGeneration(indexDirectory);
  const pointer = path.join(indexDirectory, `${CURRENT_FILE}.${generation}.tmp`);
  await fs.writeFile(pointer, generation);
  await fs.rename(pointer, path.join(indexDirectory, CURRENT_FILE));
  // The previous generation stays one more round for readers that opened it just before the switch.
  await removeOldGenerations(indexDirectory, new Set([generation, previous ?? generation]));
  return directory;
}

/**
 * Loads the current generation and checks it: format version, checksums, and that every part
 * has the same number of chunks. Any mismatch is a clear `index_corrupt` error.
 */
export async function loadIndex(indexDirectory: string): Promise<LoadedIndex> {
  const generation = currentGeneration(indexDirectory);
  if (!generation) {
    throw new FootnoteError(
      'index_missing',
      `no index in ${indexDirectory}; run \`footnote ingest\` first (or \`npm start\`, which ingests corpus/)`,
    );
  }
  const directory = path.join(indexDirectory, generation);
  const corrupt = corruptError(indexDirectory);
  const manifest = await readVerifiedManifest(indexDirectory, directory);
  // Every part is read and checked against the manifest before any parser sees it: a damaged
  // vectors.hnsw would crash the native reader (SIGSEGV), a damaged JSON file mislead the JS ones.
  const buffers = new Map<string, Buffer>();
  await Promise.all(
    CHECKED_FILES.map(async (file) => {
      let read: { bytes: Buffer; digest: string };
      try {
        read = await readHashed(path.join(directory, file));
      } catch {
        throw corrupt(`${file} is missing`);
      }
      if (read.digest !== manifest.checksums[file]) throw corrupt(`${file} does not match its checksum`);
      buffers.set(file, read.bytes);
    }),
  );
  const dimensions = manifest.embedder.dimensions;
  const vectorBytes = buffers.get(VECTORS_FILE)!.length;
  if (vectorBytes !== manifest.counts.chunks * dimensions * 4)
    throw corrupt(
      `vectors.f32 has ${vectorBytes} bytes, not ${manifest.counts.chunks} vectors of ${dimensions} floats`,
    );
  const vectorIndexLoading = HnswVectorIndex.load(directory, dimensions);
  vectorIndexLoading.catch(() => {});
  try {
    const sources = withTexts(
      JSON.parse(buffers.get(SOURCES_FILE)!.toString('utf8')) as StoredSource[],
      buffers.get(TEXTS_FILE)!.toString('utf8'),
    );
    const chunks = unpackChunks(
      JSON.parse(buffers.get(CHUNKS_FILE)!.toString('utf8')) as PackedChunk[],
      sources,
    );
    const vectorMatrix = unpackVectors(buffers.get(VECTORS_FILE)!, dimensions);
    const vectorCount = vectorMatrix.length / dimensions;
    const embedderState = JSON.parse(buffers.get(EMBEDDER_STATE_FILE)!.toString('utf8')) as unknown;
    const lexicalIndex = Bm25LexicalIndex.fromBytes(buffers.get(LEXICAL_INDEX_FILE)!);
    const vectorIndex = await vectorIndexLoading;
    if (
      vectorCount !== chunks.length ||
      vectorIndex.size !== chunks.length ||
      lexicalIndex.size !== chunks.length
    ) {
      throw new Error(
        `part sizes differ: ${chunks.length} chunks, ${vectorCount} vectors, ${vectorIndex.size} in HNSW, ${lexicalIndex.size} in BM25`,
      );
    }
    const sourceById = new Map(sources.map((source) => [source.id, source]));
    return {
      manifest,
      sources,
      chunks,
      vectorMatrix,
      embedderState,
      directory,
      vectorIndex,
      lexicalIndex,
      sourceById,
    };
  } catch (error) {
    if (error instanceof FootnoteError) throw error;
    throw corrupt(error instanceof Error ? error.message : String(error));
  }
}

function corruptError(indexDirectory: string): (why: string) => FootnoteError {
  return (why) =>
    new FootnoteError(
      'index_corrupt',
      `the index in ${indexDirectory} is damaged (${why}); run \`footnote ingest --rebuild\` to rebuild it`,
    );
}

/**
 * Reads a generation's manifest.json, checks its bytes against manifest.sha256 before parsing,
 * then its format version and its shape (zod), so no damaged number reaches an allocation.
 */
async function readVerifiedManifest(indexDirectory: string, directory: string): Promise<IndexManifest> {
  const corrupt = corruptError(indexDirectory);
  let text: Buffer;
  try {
    text = await fs.readFile(path.join(directory, MANIFEST_FILE));
  } catch {
    throw corrupt('manifest.json is missing or unreadable');
  }
  const expected = await fs
    .readFile(path.join(directory, MANIFEST_CHECKSUM_FILE), 'utf8')
    .then((digest) => digest.trim())
    .catch(() => undefined);
  if (expected === undefined) {
    // Indexes written before format 4 have no manifest checksum: name the version mismatch.
    const version = (() => {
      try {
        return (JSON.parse(text.toString('utf8')) as { formatVersion?: unknown }).formatVersion;
      } catch {
        return undefined;
      }
    })();
    if (typeof version === 'number' && version !== FORMAT_VERSION)
      throw versionError(indexDirectory, version);
    throw corrupt('manifest.sha256 is missing');
  }
  if (sha256(text) !== expected) throw corrupt('manifest.json does not match its checksum');
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch {
    throw corrupt('manifest.json is missing or unreadable');
  }
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== FORMAT_VERSION) throw versionError(indexDirectory, version);
  const parsed = indexManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw corrupt(`manifest.json is invalid: ${issue.path.join('.') || 'the manifest'} ${issue.message}`);
  }
  return parsed.data;
}

function versionError(indexDirectory: string, version: unknown): FootnoteError {
  return new FootnoteError(
    'index_corrupt',
    `the index in ${indexDirectory} has format version ${String(version)}, this Footnote reads version ${FORMAT_VERSION}; run \`footnote ingest --rebuild\``,
  );
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes a step of `readHashed` reads. */
const READ_STEP = 1 << 20;

/**
 * Reads a file whole and its SHA-256 in one pass: each step's bytes are hashed while the next
 * step is read on the thread pool, so checking costs no second pass over the data (WebCrypto's
 * digest, used before, copied every part and held the main thread longer than hashing here).
 */
async function readHashed(file: string): Promise<{ bytes: Buffer; digest: string }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.allocUnsafe(size);
    const hash = createHash('sha256');
    const readFrom = (offset: number) =>
      handle.read(bytes, offset, Math.min(READ_STEP, size - offset), offset);
    let offset = 0;
    let reading = size > 0 ? readFrom(0) : undefined;
    while (reading) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const start = offset;
      offset += bytesRead;
      reading = offset < size ? readFrom(offset) : undefined;
      hash.update(bytes.subarray(start, offset));
    }
    return { bytes: bytes.subarray(0, offset), digest: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Runs `work` while holding the index directory's ingest lock, so two ingests never interleave.
 * A second ingest is refused at once with a clear message. A lock left by a process that died
 * (killed, crashed) is taken over at once when its owner is known to be gone, and otherwise goes
 * stale after 10 s.
 */
export async function withIngestLock<T>(indexDirectory: string, work: () => Promise<T>): Promise<T> {
  await fs.mkdir(indexDirectory, { recursive: true });
  const lockPath = path.join(indexDirectory, LOCK_FILE);
  const ownerPath = path.join(indexDirectory, LOCK_OWNER_FILE);
  const acquire = () =>
    lockfile.lock(indexDirectory, { lockfilePath: lockPath, stale: 10_000, update: 2_000, retries: 0 });
  let release: () => Promise<void>;
  try {
    release = await acquire().catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ELOCKED' || !(await claimAbandonedLock(ownerPath))) throw error;
      await fs.rm(lockPath, { recursive: true, force: true });
      return acquire();
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new FootnoteError(
        'index_locked',
        `another ingest is writing ${indexDirectory}; wait for it to finish and try again`,
      );
    }
    throw error;
  }
  await fs.writeFile(ownerPath, JSON.stringify({ pid: process.pid, host: os.hostname() }));
  try {
    return await work();
  } finally {
    await fs.rm(ownerPath, { force: true });
    await release().catch(() => {});
  }
}

/**
 * True when the lock's owner was a process on this machine that no longer runs, and this caller
 * won the (atomic) rename of its owner file, so two ingests never both take the lock over.
 */
async function claimAbandonedLock(ownerPath: string): Promise<boolean> {
  let owner: { pid?: unknown; host?: unknown };
  try {
    owner = JSON.parse(await fs.readFile(ownerPath, 'utf8')) as { pid?: unknown; host?: unknown };
  } catch {
    return false;
  }
  if (owner.host !== os.hostname() || typeof owner.pid !== 'number' || owner.pid === process.pid)
    return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return false;
  }
  const claimed = `${ownerPath}.${process.pid}.abandoned`;
  try {
    await fs.rename(ownerPath, claimed);
  } catch {
    return false;
  }
  await fs.rm(claimed, { force: true });
  return true;
}

/**
 * A source as stored in `sources.json`: its text is in `texts.txt`, `characters` long (UTF-16 code
 * units, as JavaScript counts). Decoding one text file and slicing it is several times faster
 * than parsing thousands of long JSON strings, and makes no garbage.
 */
type StoredSource = Omit<SourceDocument, 'text'> & { characters: number };

function storedSource({ text, ...source }: SourceDocument): StoredSource {
  return { ...source, characters: text.length };
}

/**
 * Gives each stored source its text, cut from the texts file in order. Slices share the one
 * decoded string. A text written with a lone surrogate (not valid UTF-8) comes back with U+FFFD
 * in its place, the same length, so every offset still holds.
 */
function withTexts(stored: StoredSource[], texts: string): SourceDocument[] {
  let start = 0;
  const sources = stored.map(({ characters, ...source }) => {
    if (!Number.isInteger(characters) || characters < 0 || start + characters > texts.length)
      throw new Error(`${TEXTS_FILE} is shorter than the sources' texts`);
    const text = texts.slice(start, start + characters);
    start += characters;
    return { ...source, text };
  });
  if (start !== texts.length)
    throw new Error(`${TEXTS_FILE} has ${texts.length} characters, the sources' texts ${start}`);
  return sources;
}

/**
 * A chunk as stored: its source's position in `sources.json`, its span, lines and flattened
 * sentence spans. Text, path and title come back from the source at load, so the chunk table
 * holds numbers only (a third of the size, and parsed several times faster).
 */
type PackedChunk = [
  sourceIndex: number,
  start: number,
  end: number,
  lineStart: number,
  lineEnd: number,
  sentences: number[],
];

function packChunks(chunks: Chunk[], sources: SourceDocument[]): PackedChunk[] {
  const position = new Map(sources.map((source, index) => [source.id, index]));
  return chunks.map((chunk) => [
    position.get(chunk.sourceId)!,
    chunk.start,
    chunk.end,
    chunk.lineStart,
    chunk.lineEnd,
    chunk.sentences.flat(),
  ]);
}

function unpackChunks(rows: PackedChunk[], sources: SourceDocument[]): Chunk[] {
  const ordinals = new Map<string, number>();
  // Pages and sections come back from the source too; plain text sources need no locator.
  const locators = new Map<SourceDocument, SourceLocator>();
  return rows.map(([sourceIndex, start, end, lineStart, lineEnd, flat], row) => {
    const source = sources[sourceIndex];
    if (!source || end > source.text.length) throw new Error(`chunk ${row} points outside its source`);
    const ordinal = ordinals.get(source.id) ?? 0;
    ordinals.set(source.id, ordinal + 1);
    let location: SourceLocation | undefined;
    if (source.pages || source.sections) {
      let locator = locators.get(source);
      if (!locator) {
        locator = new SourceLocator(source);
        locators.set(source, locator);
      }
      location = locator.locate(start);
    }
    const sentences: Array<[number, number]> = [];
    for (let index = 0; index + 1 < flat.length; index += 2) sentences.push([flat[index]!, flat[index + 1]!]);
    return {
      id: chunkIdFor(source.id, ordinal),
      sourceId: source.id,
      source: source.source,
      title: source.title,
      start,
      end,
      lineStart,
      lineEnd,
      ...(location?.page === undefined ? {} : { page: location.page }),
      ...(location?.section === undefined ? {} : { section: location.section }),
      text: source.text.slice(start, end),
      sentences,
    };
  });
}

function packVectors(vectors: Float32Array[], dimensions: number): Buffer {
  const buffer = Buffer.alloc(vectors.length * dimensions * 4);
  const view = new Float32Array(buffer.buffer, buffer.byteOffset, vectors.length * dimensions);
  for (const [row, vector] of vectors.entries()) view.set(vector, row * dimensions);
  return buffer;
}

/** The vectors as one array of floats: a view of the bytes read, or a copy when they are not 4-byte aligned. */
function unpackVectors(buffer: Buffer, dimensions: number): Float32Array {
  if (buffer.length % (dimensions * 4) !== 0)
    throw new Error(`vectors.f32 has ${buffer.length} bytes, not a multiple of ${dimensions} floats`);
  const aligned = fourByteAligned(buffer);
  return new Float32Array(aligned.buffer, aligned.byteOffset, buffer.length / 4);
}

/** The vector of the chunk in `row` of a loaded generation (a view, not a copy). */
export function vectorOf(index: LoadedIndex, row: number): Float32Array {
  const dimensions = index.manifest.embedder.dimensions;
  return index.vectorMatrix.subarray(row * dimensions, (row + 1) * dimensions);
}

async function fileChecksum(file: string): Promise<string> {
  return sha256(await fs.readFile(file));
}

async function syncDirectory(directory: string): Promise<void> {
  for (const name of await fs.readdir(directory)) {
    const handle = await fs.open(path.join(directory, name), 'r');
    await handle.sync().catch(() => {});
    await handle.close();
  }
}

async function removeOldGenerations(indexDirectory: string, keep: Set<string>): Promise<void> {
  for (const name of await fs.readdir(indexDirectory)) {
    if (name.startsWith('gen-') && !keep.has(name))
      await fs.rm(path.join(indexDirectory, name), { recursive: true, force: true });
    if (name.startsWith(`${CURRENT_FILE}.`) && name.endsWith('.tmp'))
      await fs.rm(path.join(indexDirectory, name), { force: true });
  }
}
