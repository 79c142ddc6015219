import { FootnoteError } from '../errors.js';
import type { Chunk, SourceDocument } from '../types.js';

/** Which lists a search runs: both, fused (`hybrid`), or one of them alone. */
export type SearchMode = 'hybrid' | 'bm25' | 'dense';

/** How the BM25 and dense candidate lists are combined into one ranking. */
export interface FusionOptions {
  /** Candidates taken from each list before fusion. @default 50 */
  candidates: number;
  /**
   * `weighted`: sum of each list's scores scaled to [0, 1] by its best score; `rrf`: reciprocal
   * rank fusion.
   * @default 'weighted'
   */
  fusion: 'weighted' | 'rrf';
  /** Weight of the BM25 list in fusion. @default 0.7 */
  lexicalWeight: number;
  /** Weight of the dense list in fusion. @default 0.3 */
  denseWeight: number;
  /** RRF's rank constant. @default 60 */
  rrfK: number;
}

/** One search of a store: the query in both forms, and how to combine the two lists. */
export interface StoreSearchRequest extends FusionOptions {
  /** Text whose analysed terms are searched with BM25. */
  lexicalText: string;
  /** Weight of each analysed query term (absent = 1). */
  termWeights?: ReadonlyMap<string, number>;
  /** Unit-length query embedding. */
  vector: Float32Array;
  /** @default 'hybrid' */
  mode: SearchMode;
  /** Fused hits returned, best first. */
  limit: number;
}

/** A chunk found by a search, with the scores that ranked it. */
export interface StoreHit {
  chunk: Chunk;
  /** Fused score (higher is better). */
  score: number;
  /** Cosine similarity, when the dense list found it. */
  denseScore?: number;
  /** BM25 score, when the keyword list found it. */
  lexicalScore?: number;
}

/** What one source contributed to a generation, keyed by its corpus-relative path in the manifest. */
export interface ManifestFile {
  id: string;
  hash: string;
  chunks: number;
  encoding: SourceDocument['encoding'];
  format: SourceDocument['format'];
}

/** What a generation was built from and with; refused at load when it does not match. */
export interface StoreManifest {
  formatVersion: number;
  createdAt: string;
  corpusRoot: string;
  /** Id of the store provider that wrote the generation (`file`, `postgres`). */
  store?: string;
  embedder: { id: string; dimensions: number; settings?: Record<string, unknown> };
  chunking: Record<string, number>;
  counts: { sources: number; chunks: number };
  files: Record<string, ManifestFile>;
}

/** The part of a manifest that ingest decides; the store adds the rest when it commits. */
export type GenerationManifest = Omit<StoreManifest, 'formatVersion' | 'store' | 'counts'>;

/** Options of one generation being written. */
export interface CreateOptions {
  /** Reports index building: chunks indexed so far, of all. @default none */
  onProgress?: (done: number, total: number) => void;
}

/** A source as listed by `/api/sources`: everything but its text. */
export type SourceSummary = Pick<SourceDocument, 'id' | 'source' | 'title' | 'format'> & {
  chunks: number;
  characters: number;
  /** Number of pages (PDF only). */
  pages?: number;
};

/**
 * One generation of the index, open for reading. Every method is async, because a store may sit
 * behind a network; the embedded store answers from memory. A snapshot never changes: a new
 * ingest writes a new generation, and readers open it when they are ready.
 */
export interface StoreSnapshot {
  /** Id of the provider (`file`, `postgres`). */
  readonly storeId: string;
  /** Name of the generation this snapshot reads. */
  readonly generation: string;
  readonly manifest: StoreManifest;
  /** Opaque state of the embedder fitted at build time (e.g. SIF word statistics). */
  readonly embedderState: unknown;
  /** Top `limit` chunks for a query, from BM25 and HNSW fused (or one list alone). */
  search(request: StoreSearchRequest): Promise<StoreHit[]>;
  /** Chunks by stable id, in the order asked; unknown ids are left out. */
  getChunks(ids: readonly string[]): Promise<Chunk[]>;
  /** A whole source with its text, loaded on demand. */
  getSource(id: string): Promise<SourceDocument | undefined>;
  /** Several sources at once (one round trip for a remote store). */
  getSources(ids: readonly string[]): Promise<Map<string, SourceDocument>>;
  /** Every source of the generation, without texts. */
  listSources(): Promise<SourceSummary[]>;
  /** Chunks containing each analysed term (0 for unknown terms). */
  documentFrequencies(terms: readonly string[]): Promise<Map<string, number>>;
  /** Releases what the snapshot holds (connections, native memory). */
  close(): Promise<void>;
}

/** A chunk about to be written: everything but its id, which the writer derives. */
export type ChunkDraft = Omit<Chunk, 'id'>;

/**
 * Writes a new generation. It starts as a copy of the generation it was created from (or empty)
 * and is changed source by source; nothing is visible to readers until `commit` switches the
 * current-generation pointer in one atomic step.
 */
export interface GenerationWriter {
  /** Adds (or replaces) a source with its chunks and their vectors (`vectors[i]` is `chunks[i]`'s). */
  putSource(document: SourceDocument, chunks: ChunkDraft[], vectors: Float32Array[]): Promise<void>;
  /** Removes a source and its chunks. */
  deleteSource(sourceId: string): Promise<void>;
  /**
   * Writes the generation and makes it current. Sources are ordered as in `manifest.files`; the
   * store fills in its id, format version and counts. Returns the new generation's name.
   */
  commit(manifest: GenerationManifest, embedderState: unknown): Promise<string>;
  /** Drops a generation that will not be committed. */
  abort(): Promise<void>;
}

/**
 * Makes a store: opens the current generation for reading and creates new ones at ingest, the
 * way `EmbedderProvider` makes embedders. Its id is recorded with every generation it writes.
 */
export interface StoreProvider {
  /** `file` or `postgres`. */
  readonly id: string;
  /** Where the data lives, safe to print (a directory, or a URL without its password). */
  readonly location: string;
  /** Opens the current generation; `index_missing` when there is none. */
  open(): Promise<StoreSnapshot>;
  /** Starts a new generation on top of `base` (incremental ingest), or from nothing. */
  create(base?: StoreSnapshot, options?: CreateOptions): Promise<GenerationWriter>;
  /** Name of the current generation (cheap), or undefined when nothing was ingested. */
  currentGeneration(): Promise<string | undefined>;
  /** Runs `work` holding the ingest lock, so two ingests never interleave. */
  withIngestLock<T>(work: () => Promise<T>): Promise<T>;
  /** Calls `onChange` when the current generation may have changed. Returns a function that stops it. */
  watch(onChange: () => void, intervalMs: number): () => void;
  /** Releases connections the provider holds. */
  close(): Promise<void>;
}

/**
 * What every `GenerationWriter.putSource` checks first: each chunk comes with its vector.
 * @throws FootnoteError `internal` (a caller's bug) when their numbers differ.
 */
export function checkSourceEntry(
  document: Pick<SourceDocument, 'source'>,
  chunks: readonly ChunkDraft[],
  vectors: readonly Float32Array[],
): void {
  if (chunks.length !== vectors.length)
    throw new FootnoteError(
      'internal',
      `${document.source}: ${chunks.length} chunks but ${vectors.length} vectors`,
    );
}
