/**
 * Shared types for every pipeline stage. Stages depend on this file, never on each other's
 * internals.
 */

/** A file of the corpus after decoding, as the index stores it. */
export interface SourceDocument {
  /** Stable id derived from the relative path; the only handle clients ever get. */
  id: string;
  /** Path relative to the corpus root, with forward slashes. */
  source: string;
  /**
   * What a reader calls it: the document's own title (PDF or Word metadata, HTML `<title>`, a
   * Markdown or Word heading), else its headline (see `findTitle`).
   */
  title: string;
  /** Decoded text. Every offset in the index refers to this string. */
  text: string;
  /** SHA-256 of the raw bytes, used for incremental ingest. */
  hash: string;
  format: 'text' | 'markdown' | 'html' | 'pdf' | 'docx';
  /** How the bytes were decoded; `binary` for PDF and Word files, whose text is extracted. */
  encoding: 'utf-8' | 'latin1' | 'binary';
  /** Character ranges `[start, end)` judged boilerplate (kept in `text`, never indexed). */
  boilerplate: Array<[number, number]>;
  /** PDF: where each page starts in `text` (page `n` starts at `pages[n - 1]`). */
  pages?: number[];
  /** Word: `[offset, heading path]` where each section starts in `text`, sorted by offset. */
  sections?: Array<[number, string[]]>;
  /**
   * HTML: `[offset, line]` pairs, sorted by offset, giving the line of the original file that
   * the text from `offset` on came from. Absent: lines are lines of `text`.
   */
  originalLines?: Array<[number, number]>;
}

/** Where a character of a source is, in terms a reader can find in the original file. */
export interface SourceLocation {
  /** 1-based line: of the original file for HTML, of the text otherwise. */
  line: number;
  /** PDF: 1-based page. */
  page?: number;
  /** Word: heading path, outermost first (`['Leave', 'Paid holiday']`). */
  section?: string[];
}

/** What a citation is cut from: a source's text and what locates an offset in it. */
export type CitableSource = Pick<
  SourceDocument,
  'source' | 'title' | 'text' | 'pages' | 'sections' | 'originalLines'
>;

/** A passage of a source that is embedded and indexed as one unit. */
export interface Chunk {
  /**
   * Stable id, `<sourceId>:<ordinal>` (the chunk's place among its source's chunks): it survives
   * incremental ingest, since unchanged sources keep their chunks.
   */
  id: string;
  sourceId: string;
  source: string;
  title: string;
  /** `document.text.slice(start, end) === text` always holds. */
  start: number;
  end: number;
  /** 1-based line numbers of the first and last character. */
  lineStart: number;
  lineEnd: number;
  /** PDF: 1-based page of the first character. */
  page?: number;
  /** Word: heading path of the first character. */
  section?: string[];
  text: string;
  /** Sentence spans `[start, end)` inside the chunk, as offsets into the document text. */
  sentences: Array<[number, number]>;
}

/** Stable id of a chunk: its source's id and its position among that source's chunks. */
export function chunkIdFor(sourceId: string, ordinal: number): string {
  return `${sourceId}:${ordinal}`;
}

/** A chunk returned by retrieval, with the scores that ranked it. */
export interface Passage {
  /** Stable chunk id (`<sourceId>:<ordinal>`). */
  chunkId: string;
  sourceId: string;
  source: string;
  title: string;
  start: number;
  end: number;
  lineStart: number;
  lineEnd: number;
  page?: number;
  section?: string[];
  text: string;
  sentences: Array<[number, number]>;
  /** Fused score used for ranking (higher is better). */
  score: number;
  /** Rank and score of each retriever that found it (absent = not in that list). */
  denseScore?: number;
  lexicalScore?: number;
}

/** Who said a turn of a conversation. */
export type ChatRole = 'system' | 'user' | 'assistant';

/** One turn of a conversation. */
export interface ChatTurn {
  role: ChatRole;
  content: string;
}

/** Options of one `Embedder.embed` call. */
export interface EmbedOptions {
  /** Stops between batches; rejects with an `AbortError`. @default none */
  signal?: AbortSignal;
  /** Queries may get a model-specific prefix. @default 'document' */
  kind?: 'query' | 'document';
}

/** Turns texts into fixed-size vectors. Implementations: GloVe SIF and transformers.js. */
export interface Embedder {
  /** Recorded in the index manifest; an index is only queried with the embedder that built it. */
  readonly id: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** One result of a vector search. */
export interface VectorHit {
  id: number;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

/** Approximate nearest-neighbour search over chunk vectors, keyed by chunk id. */
export interface VectorIndex {
  readonly dimensions: number;
  readonly size: number;
  add(id: number, vector: Float32Array): void;
  search(vector: Float32Array, k: number): VectorHit[];
  save(directory: string): Promise<void>;
}

/** One result of a lexical search. */
export interface LexicalHit {
  id: number;
  score: number;
}

/** Keyword (BM25) search over chunk texts, keyed by chunk id. */
export interface LexicalIndex {
  readonly size: number;
  add(id: number, text: string): void;
  /** Top-k chunks for a query; `termWeights` scales analysed query terms (default 1). */
  search(query: string, k: number, termWeights?: ReadonlyMap<string, number>): LexicalHit[];
  /** Number of indexed chunks containing an analysed term. */
  documentFrequency(term: string): number;
  save(directory: string): Promise<void>;
}
