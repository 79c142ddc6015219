import path from 'node:path';
import type { EmbedderProvider } from '../embed/index.js';
import { currentGeneration } from '../index/index.js';
import { type IngestPhase, ingestCorpus } from '../ingest/index.js';
import { directoryBytes } from './files-under.js';

/** Ingest speed and index size of one corpus, built from scratch. */
export interface IngestMeasure {
  corpus: string;
  files: number;
  chunks: number;
  seconds: number;
  chunksPerSecond: number;
  indexBytes: number;
  /** Seconds spent in each stage: reading files, chunking and fitting the embedder, embedding, building HNSW + BM25, building the manifest, writing. */
  stages: Record<'read' | 'chunkAndFit' | 'embed' | 'index' | 'manifest' | 'write', number>;
}

/** A progress display for an ingest (the CLI's bars); `stop` is called once it ends. */
export interface IngestProgressDisplay {
  update: (phase: IngestPhase, done: number, total: number) => void;
  stop: () => void;
}

/**
 * Ingests a corpus from scratch in process and times each stage from the ingest's progress
 * callbacks.
 */
export async function measureIngest(
  name: string,
  options: {
    corpusDirectory: string;
    indexDirectory: string;
    embedder: EmbedderProvider;
    progress?: IngestProgressDisplay;
  },
): Promise<IngestMeasure> {
  const firstSeen = new Map<IngestPhase, number>();
  let indexed: number | undefined;
  const progress = options.progress ?? { update: () => {}, stop: () => {} };
  const started = performance.now();
  let report: Awaited<ReturnType<typeof ingestCorpus>>;
  try {
    report = await ingestCorpus({
      corpusDirectory: options.corpusDirectory,
      indexDirectory: options.indexDirectory,
      embedder: options.embedder,
      rebuild: true,
      onProgress: (phase, done, total) => {
        if (!firstSeen.has(phase)) firstSeen.set(phase, performance.now());
        if (phase === 'index' && done === total) indexed = performance.now();
        progress.update(phase, done, total);
      },
    });
  } finally {
    progress.stop();
  }
  const ended = performance.now();
  const at = (phase: IngestPhase, fallback: number) => firstSeen.get(phase) ?? fallback;
  const seconds = (from: number, to: number) => Math.max(0, to - from) / 1000;
  const [read, embed, index, write] = [
    at('read', started),
    at('embed', ended),
    at('index', ended),
    at('write', ended),
  ];
  const generation = currentGeneration(options.indexDirectory);
  return {
    corpus: name,
    files: report.sources,
    chunks: report.chunks,
    seconds: (ended - started) / 1000,
    chunksPerSecond: report.chunks / ((ended - started) / 1000),
    indexBytes: generation ? await directoryBytes(path.join(options.indexDirectory, generation)) : 0,
    // Files are all read before the first `read` callback, chunking and fitting the embedder follow
    // it; the last `index` callback comes once BM25 is built, before the manifest is put together.
    stages: {
      read: seconds(started, read),
      chunkAndFit: seconds(read, embed),
      embed: seconds(embed, index),
      index: seconds(index, indexed ?? write),
      manifest: seconds(indexed ?? write, write),
      write: seconds(write, ended),
    },
  };
}
