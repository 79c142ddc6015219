import { unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import { FootnoteError } from '../errors.js';
import {
  Bm25LexicalIndex,
  currentGeneration,
  FORMAT_VERSION,
  HnswVectorIndex,
  type IndexManifest,
  indexExists,
  type LoadedIndex,
  loadIndex,
  vectorOf,
  withIngestLock,
  writeIndex,
} from '../index/index.js';
import { type Chunk, chunkIdFor, type SourceDocument } from '../types.js';
import { fuse } from './fuse.js';
import type * as Store from './store.js';
import { checkSourceEntry } from './store.js';

/** Id recorded in the manifest of generations the embedded store writes. */
export const FILE_STORE_ID = 'file';

/**
 * The embedded store: one generation's chunks, sources, HNSW graph and BM25 index in this
 * process's memory, read from a folder of checksummed files. Inside, HNSW labels and BM25 ids
 * are the chunk's row in the generation; outside, chunks are known only by their stable ids.
 */
export class FileStoreSnapshot implements Store.StoreSnapshot {
  readonly storeId = FILE_STORE_ID;
  readonly generation: string;
  private readonly rowById: Map<string, number>;

  constructor(readonly index: LoadedIndex) {
    this.generation = path.basename(index.directory);
    this.rowById = new Map(index.chunks.map((chunk, row) => [chunk.id, row]));
  }

  get manifest(): Store.StoreManifest {
    return this.index.manifest;
  }

  get embedderState(): unknown {
    return this.index.embedderState;
  }

  async search(request: Store.StoreSearchRequest): Promise<Store.StoreHit[]> {
    const { lexicalIndex, vectorIndex, chunks } = this.index;
    const lexical =
      request.mode === 'dense'
        ? []
        : lexicalIndex.search(request.lexicalText, request.candidates, request.termWeights);
    const dense = request.mode === 'bm25' ? [] : vectorIndex.search(request.vector, request.candidates);
    return fuse(lexical, dense, request, (a, b) => a - b)
      .slice(0, request.limit)
      .map(({ row, ...scores }) => ({ chunk: chunks[row]!, ...scores }));
  }

  async getChunks(ids: readonly string[]): Promise<Chunk[]> {
    return ids.flatMap((id) => {
      const row = this.rowById.get(id);
      return row === undefined ? [] : [this.index.chunks[row]!];
    });
  }

  async getSource(id: string): Promise<SourceDocument | undefined> {
    return this.index.sourceById.get(id);
  }

  async getSources(ids: readonly string[]): Promise<Map<string, SourceDocument>> {
    const found = new Map<string, SourceDocument>();
    for (const id of ids) {
      const source = this.index.sourceById.get(id);
      if (source) found.set(id, source);
    }
    return found;
  }

  async listSources(): Promise<Store.SourceSummary[]> {
    const { files } = this.index.manifest;
    return this.index.sources.map((source) => ({
      id: source.id,
      source: source.source,
      title: source.title,
      format: source.format,
      chunks: files[source.source]?.chunks ?? 0,
      characters: source.text.length,
      ...(source.pages ? { pages: source.pages.length } : {}),
    }));
  }

  async documentFrequencies(terms: readonly string[]): Promise<Map<string, number>> {
    return new Map(terms.map((term) => [term, this.index.lexicalIndex.documentFrequency(term)]));
  }

  /** Chunks of one source with their vectors, in order (what an incremental ingest keeps). */
  sourceEntries(): Map<
    string,
    { document: SourceDocument; chunks: Store.ChunkDraft[]; vectors: Float32Array[] }
  > {
    const entries = new Map<
      string,
      { document: SourceDocument; chunks: Store.ChunkDraft[]; vectors: Float32Array[] }
    >();
    for (const document of this.index.sources)
      entries.set(document.id, { document, chunks: [], vectors: [] });
    this.index.chunks.forEach(({ id: _id, ...draft }, row) => {
      const entry = entries.get(draft.sourceId);
      entry?.chunks.push(draft);
      entry?.vectors.push(vectorOf(this.index, row));
    });
    return entries;
  }

  async close(): Promise<void> {}
}

/** Builds a new generation in memory and writes it as a new folder with an atomic switch. */
class FileGenerationWriter implements Store.GenerationWriter {
  private readonly entries: Map<
    string,
    { document: SourceDocument; chunks: Store.ChunkDraft[]; vectors: Float32Array[] }
  >;

  constructor(
    private readonly directory: string,
    base: FileStoreSnapshot | undefined,
    private readonly options: Store.CreateOptions,
  ) {
    this.entries = base ? base.sourceEntries() : new Map();
  }

  async putSource(
    document: SourceDocument,
    chunks: Store.ChunkDraft[],
    vectors: Float32Array[],
  ): Promise<void> {
    checkSourceEntry(document, chunks, vectors);
    this.entries.set(document.id, { document, chunks, vectors });
  }

  async deleteSource(sourceId: string): Promise<void> {
    this.entries.delete(sourceId);
  }

  async commit(manifest: Store.GenerationManifest, embedderState: unknown): Promise<string> {
    const sources: SourceDocument[] = [];
    const chunks: Chunk[] = [];
    const vectors: Float32Array[] = [];
    for (const file of Object.values(manifest.files)) {
      const entry = this.entries.get(file.id);
      if (!entry)
        throw new FootnoteError('internal', `the manifest lists source ${file.id}, which was never added`);
      sources.push(entry.document);
      entry.chunks.forEach((draft, ordinal) => {
        chunks.push({ ...draft, id: chunkIdFor(entry.document.id, ordinal) });
        vectors.push(entry.vectors[ordinal]!);
      });
    }
    const vectorIndex = HnswVectorIndex.create(manifest.embedder.dimensions, chunks.length);
    const lexicalIndex = Bm25LexicalIndex.create();
    vectors.forEach((vector, row) => {
      vectorIndex.add(row, vector);
      if (row % 500 === 0) this.options.onProgress?.(row, chunks.length);
    });
    lexicalIndex.addAll(chunks.map((chunk, row) => ({ id: row, text: indexedText(chunk) })));
    this.options.onProgress?.(chunks.length, chunks.length);
    const written: IndexManifest = {
      formatVersion: FORMAT_VERSION,
      ...manifest,
      store: FILE_STORE_ID,
      counts: { sources: sources.length, chunks: chunks.length },
      checksums: {},
    };
    const directory = await writeIndex(
      this.directory,
      { manifest: written, sources, chunks, vectors, embedderState },
      vectorIndex,
      lexicalIndex,
    );
    return path.basename(directory);
  }

  async abort(): Promise<void> {
    this.entries.clear();
  }
}

/** The embedded store over an index folder (the default). */
export class FileStoreProvider implements Store.StoreProvider {
  readonly id = FILE_STORE_ID;

  constructor(readonly directory: string) {}

  get location(): string {
    return this.directory;
  }

  async open(): Promise<FileStoreSnapshot> {
    return new FileStoreSnapshot(await loadIndex(this.directory));
  }

  async create(
    base?: Store.StoreSnapshot,
    options: Store.CreateOptions = {},
  ): Promise<Store.GenerationWriter> {
    if (base && !(base instanceof FileStoreSnapshot))
      throw new FootnoteError('internal', `the file store cannot build on a ${base.storeId} generation`);
    return new FileGenerationWriter(this.directory, base, options);
  }

  async currentGeneration(): Promise<string | undefined> {
    return indexExists(this.directory) ? currentGeneration(this.directory) : undefined;
  }

  withIngestLock<T>(work: () => Promise<T>): Promise<T> {
    return withIngestLock(this.directory, work);
  }

  watch(onChange: () => void, intervalMs: number): () => void {
    const pointer = path.join(this.directory, 'CURRENT');
    const listener = () => onChange();
    watchFile(pointer, { interval: intervalMs }, listener);
    return () => unwatchFile(pointer, listener);
  }

  async close(): Promise<void> {}
}

/**
 * The text a chunk is embedded and keyword-indexed as: its own text headed by the document's
 * title, so a chunk from the middle of an article still carries what the article is about.
 * Citations always use the chunk's exact span, never this text.
 */
export function indexedText(chunk: Pick<Chunk, 'text' | 'title'>): string {
  return chunk.title.length === 0 || chunk.text.startsWith(chunk.title)
    ? chunk.text
    : `${chunk.title}\n${chunk.text}`;
}
