import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type ChunkingOptions, chunkDocument, defaultChunkingOptions } from '../chunk/index.js';
import { type EmbedderProvider, embedMany } from '../embed/index.js';
import { FootnoteError } from '../errors.js';
import {
  type ChunkDraft,
  FileStoreProvider,
  indexedText,
  type ManifestFile,
  type StoreProvider,
  type StoreSnapshot,
} from '../store/index.js';
import { oneLine } from '../text/index.js';
import type { SourceDocument } from '../types.js';
import { DocxSkipped, extractDocx } from './extract-docx.js';
import { extractPdf, PdfSkipped } from './extract-pdf.js';
import { decodeText, extractText } from './extract-text.js';
import { type CorpusFile, type ReadCorpusOptions, readCorpus } from './read-corpus.js';

/** The phases of an ingest, in order, as progress reports them. */
export type IngestPhase = 'read' | 'embed' | 'index' | 'write';

/** What `ingestCorpus` indexes, where it writes, and with which embedder and chunking. */
export interface IngestOptions {
  corpusDirectory: string;
  /** Index folder of the embedded store, used when `store` is not given. @default '.footnote' */
  indexDirectory: string;
  /** Where the index is written. @default the embedded (file) store in `indexDirectory` */
  store?: StoreProvider;
  /** Fitted to the corpus and recorded in the manifest. */
  embedder: EmbedderProvider;
  /** Chunking over `defaultChunkingOptions`. @default {} */
  chunking: Partial<ChunkingOptions>;
  /** Ignore the existing index and build from scratch. @default false */
  rebuild: boolean;
  /** @default 20 MB */
  maxFileBytes: number;
  /** How long reading one file may take before it is skipped with a warning. @default 10_000 */
  readTimeoutMs: number;
  /** Told one line per skipped file or other problem. @default ignore */
  onWarning: (message: string) => void;
  onProgress: (phase: IngestPhase, done: number, total: number) => void;
  /** Called (and awaited) with the files listed, before any is opened. @default does nothing */
  onListed: ReadCorpusOptions['onListed'];
  /** Stops the ingest; the previous index stays. @default none */
  signal?: AbortSignal;
}

/** What one ingest did. */
export interface IngestReport {
  added: string[];
  changed: string[];
  unchanged: string[];
  removed: string[];
  warnings: string[];
  /** Files not indexed (each named in a `skipped <file>: <reason>` warning). */
  skipped: number;
  sources: number;
  chunks: number;
  /** Chunks embedded by this run (0 when nothing changed). */
  embeddedChunks: number;
  /** False when the index was already up to date and nothing was written. */
  written: boolean;
  /** Why a full rebuild happened instead of an incremental update, if it did. */
  rebuildReason?: string;
  embedder: string;
  durationMs: number;
}

/**
 * The identity of a corpus folder recorded in its index: its real path, so the same folder
 * reached through a symbolic link or a relative path is the same corpus.
 */
export async function corpusRootOf(corpusDirectory: string): Promise<string> {
  return fs.realpath(corpusDirectory).catch(() => path.resolve(corpusDirectory));
}

/** Stable id of a source, from its relative path. */
export function sourceIdFor(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

/**
 * Brings the index in line with the corpus folder: new and changed files are read, chunked and
 * embedded; unchanged files keep their chunks and vectors; deleted files disappear. The result
 * is written as a new generation of the store (atomic switch), under the store's ingest lock.
 */
export async function ingestCorpus(
  options: Partial<IngestOptions> & Pick<IngestOptions, 'corpusDirectory' | 'embedder'>,
): Promise<IngestReport> {
  const settings: IngestOptions = {
    indexDirectory: '.footnote',
    chunking: {},
    rebuild: false,
    maxFileBytes: 20 * 1024 * 1024,
    readTimeoutMs: 10_000,
    onWarning: () => {},
    onProgress: () => {},
    onListed: () => {},
    ...options,
  };
  const store = settings.store ?? new FileStoreProvider(settings.indexDirectory);
  return store.withIngestLock(() => ingestLocked(settings, store));
}

async function ingestLocked(settings: IngestOptions, store: StoreProvider): Promise<IngestReport> {
  const started = performance.now();
  const warnings: string[] = [];
  let skipped = 0;
  // File names may hold newlines or terminal controls: every warning is escaped to one line.
  const warn = (message: string) => {
    const line = oneLine(message);
    warnings.push(line);
    settings.onWarning(line);
  };
  const skip = (message: string) => {
    skipped++;
    warn(message);
  };
  const chunking: ChunkingOptions = { ...defaultChunkingOptions, ...settings.chunking };
  const { previous, rebuildReason } = await previousGeneration(settings, store, chunking, warn);

  // Every warning of readCorpus is a file (or folder) it skipped.
  const files = await readCorpus(settings.corpusDirectory, {
    maxFileBytes: settings.maxFileBytes,
    readTimeoutMs: settings.readTimeoutMs,
    onWarning: skip,
    onListed: async (listed) => {
      settings.onProgress('read', 0, listed.length);
      await settings.onListed(listed);
    },
  });
  settings.signal?.throwIfAborted();
  const previousFiles = previous?.manifest.files ?? {};
  const report = {
    added: [] as string[],
    changed: [] as string[],
    unchanged: [] as string[],
    removed: [] as string[],
  };
  // What the new generation lists, in corpus order: unchanged sources as they were, new and
  // changed ones freshly read and chunked.
  const listed: Array<[source: string, ManifestFile]> = [];
  const fresh: Array<{ document: SourceDocument; chunks: ChunkDraft[] }> = [];
  for (const [index, file] of files.entries()) {
    settings.onProgress('read', index + 1, files.length);
    const before = previousFiles[file.source];
    if (previous && before && before.hash === file.hash) {
      report.unchanged.push(file.source);
      listed.push([file.source, before]);
      continue;
    }
    const document = await readDocument(file, warn, skip);
    settings.signal?.throwIfAborted();
    if (!document) continue;
    (before ? report.changed : report.added).push(file.source);
    const chunks = chunkDocument(document, chunking);
    fresh.push({ document, chunks });
    listed.push([
      file.source,
      {
        id: document.id,
        hash: document.hash,
        chunks: chunks.length,
        encoding: document.encoding,
        format: document.format,
      },
    ]);
  }
  const present = new Set(files.map((file) => file.source));
  report.removed = Object.keys(previousFiles).filter((source) => !present.has(source));

  const embedderId = settings.embedder.id;
  const chunkCount = listed.reduce((sum, [, file]) => sum + file.chunks, 0);
  const base = {
    ...report,
    warnings,
    skipped,
    sources: listed.length,
    embedder: embedderId,
    ...(rebuildReason ? { rebuildReason } : {}),
  };
  if (previous && report.added.length === 0 && report.changed.length === 0 && report.removed.length === 0) {
    return {
      ...base,
      chunks: previous.manifest.counts.chunks,
      embeddedChunks: 0,
      written: false,
      durationMs: performance.now() - started,
    };
  }
  if (listed.length === 0) {
    throw new FootnoteError(
      'corpus_missing',
      `no readable .txt, .md, .html, .pdf or .docx files in ${settings.corpusDirectory}${skipped > 0 ? ` (${skipped} skipped, see the warnings)` : ''}; add documents and run \`footnote ingest\` again`,
    );
  }

  // Embed the new chunks. A full build fits the embedder to this corpus; an update reuses the fitted state.
  const newTexts = fresh.flatMap(({ chunks }) => chunks.map(indexedText));
  const { embedder, state } = previous
    ? { embedder: await settings.embedder.restore(previous.embedderState), state: previous.embedderState }
    : await settings.embedder.fit(newTexts);
  const newVectors = await embedMany(embedder, newTexts, {
    signal: settings.signal,
    onProgress: (done, total) => settings.onProgress('embed', done, total),
  });

  // The new generation starts as a copy of the previous one: unchanged sources keep their
  // chunks, ids and vectors; changed and new ones are put; the rest are deleted.
  const writer = await store.create(previous, {
    onProgress: (done, total) => settings.onProgress('index', done, total),
  });
  try {
    const kept = new Set(listed.map(([, file]) => file.id));
    for (const file of Object.values(previousFiles))
      if (!kept.has(file.id)) await writer.deleteSource(file.id);
    let cursor = 0;
    for (const { document, chunks } of fresh) {
      await writer.putSource(document, chunks, newVectors.slice(cursor, cursor + chunks.length));
      cursor += chunks.length;
    }
    settings.signal?.throwIfAborted();
    settings.onProgress('write', 0, 1);
    await writer.commit(
      {
        createdAt: new Date().toISOString(),
        corpusRoot: await corpusRootOf(settings.corpusDirectory),
        embedder: { id: embedder.id, dimensions: embedder.dimensions, settings: settings.embedder.settings },
        chunking: { ...chunking },
        files: Object.fromEntries(listed),
      },
      state,
    );
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
  settings.onProgress('write', 1, 1);
  return {
    ...base,
    chunks: chunkCount,
    embeddedChunks: newTexts.length,
    written: true,
    durationMs: performance.now() - started,
  };
}

async function previousGeneration(
  settings: IngestOptions,
  store: StoreProvider,
  chunking: ChunkingOptions,
  warn: (message: string) => void,
): Promise<{ previous?: StoreSnapshot; rebuildReason?: string }> {
  if (settings.rebuild) return { rebuildReason: 'requested with --rebuild' };
  if (!(await store.currentGeneration())) return {};
  let previous: StoreSnapshot;
  try {
    previous = await store.open();
  } catch (error) {
    warn(
      `existing index could not be read (${error instanceof Error ? error.message : String(error)}); rebuilding from scratch`,
    );
    return { rebuildReason: 'existing index unreadable' };
  }
  if (previous.manifest.embedder.id !== settings.embedder.id) {
    return {
      rebuildReason: `embedder changed from ${previous.manifest.embedder.id} to ${settings.embedder.id}`,
    };
  }
  if (!sameSettings(previous.manifest.embedder.settings ?? {}, settings.embedder.settings)) {
    return { rebuildReason: `embedder settings changed to ${JSON.stringify(settings.embedder.settings)}` };
  }
  if (!sameSettings(previous.manifest.chunking, { ...chunking })) {
    return { rebuildReason: 'chunking settings changed' };
  }
  if ((await corpusRootOf(settings.corpusDirectory)) !== previous.manifest.corpusRoot) {
    return { rebuildReason: `corpus folder changed from ${previous.manifest.corpusRoot}` };
  }
  return { previous };
}

/**
 * True when two settings objects hold the same values, whatever their key order (a database may
 * return JSON objects with their keys sorted).
 */
function sameSettings(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const canonical = (value: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.entries(value).sort(([x], [y]) => x.localeCompare(y))));
  return canonical(a) === canonical(b);
}

async function readDocument(
  file: CorpusFile,
  warn: (message: string) => void,
  skip: (message: string) => void,
): Promise<SourceDocument | undefined> {
  const base = { id: sourceIdFor(file.source), source: file.source, hash: file.hash, format: file.format };
  if (file.format === 'pdf' || file.format === 'docx') {
    try {
      const extracted = file.format === 'pdf' ? await extractPdf(file.bytes) : await extractDocx(file.bytes);
      return { ...base, encoding: 'binary', ...extracted };
    } catch (error) {
      if (error instanceof PdfSkipped || error instanceof DocxSkipped) {
        skip(`skipped ${file.source}: ${error.message}`);
        return undefined;
      }
      throw error;
    }
  }
  const decoded = decodeText(file.bytes);
  if (decoded.encoding === 'latin1') warn(`${file.source}: not valid UTF-8, decoded as Latin-1`);
  const extracted = extractText(decoded.text, file.format);
  if (extracted.text.trim().length === 0) {
    skip(`skipped ${file.source}: no text after extraction`);
    return undefined;
  }
  return { ...base, encoding: decoded.encoding, ...extracted };
}
