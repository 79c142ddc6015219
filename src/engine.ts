import { unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { Answer, AnswerStreamPart, Generator } from './answer/index.js';
import { type AskContext, type AskRequest, ask, askStream, ExtractiveGenerator } from './answer/index.js';
import type { EmbedderProvider } from './embed/index.js';
import { FootnoteError } from './errors.js';
import { currentGeneration, type LoadedIndex, loadIndex } from './index/index.js';
import { HybridRetriever, type RetrieverOptions } from './retrieve/index.js';
import { analyze } from './text/index.js';
import type { Embedder, SourceDocument } from './types.js';

export interface EngineOptions {
  /** @default '.footnote' */
  indexDirectory: string;
  embedder: EmbedderProvider;
  retriever: Partial<RetrieverOptions>;
  /** Writes the answers; gets the extractive fallback it may use. @default extractive */
  generator?: (extractive: Generator) => Generator;
  /**
   * Evidence score below which a question is refused as not answered by the corpus.
   * @default 0.375 (calibrated on evals/corpus-questions.jsonl, see EVALS.md)
   */
  groundingThreshold: number;
  /** Re-ranking and evidence weights (see AskContext); defaults are the measured best. */
  answering?: Pick<AskContext, 'evidence' | 'rerankCandidates' | 'retrievalWeight' | 'sourceWeight'>;
  /**
   * The corpus this engine answers from (its real path). Every generation loaded, at open and at
   * reload, must have been built from it; another corpus's generation is refused with
   * `corpus_mismatch`. @default the corpus of the first generation loaded
   */
  corpusRoot?: string;
  /**
   * Called when a re-ingested generation has been picked up, or refused (`error`: the engine
   * keeps serving the previous one). @default does nothing
   */
  onReload?: (event: { generation: string; error?: FootnoteError }) => void;
}

export const DEFAULT_GROUNDING_THRESHOLD = 0.375;

/** Sources whose analysed term sets are kept for re-ranking (a few KB each). */
const SOURCE_TERM_CACHE_SIZE = 2_000;

/** A generation on disk that could not be loaded, while the previous one is still served. */
export interface ReloadFailure {
  generation: string;
  error: FootnoteError;
  at: Date;
}

/** One loaded index with everything needed to answer from it. */
interface Snapshot {
  generation: string;
  index: LoadedIndex;
  embedder: Embedder;
  context: AskContext;
  loadedAt: Date;
}

/**
 * Answers questions from the index in a directory. Holds one loaded snapshot; `reload()` (or
 * `watch()`) swaps in a newly ingested generation atomically, while requests already running
 * finish on the snapshot they started with.
 */
export class Engine {
  private snapshot: Snapshot;
  private failure: ReloadFailure | undefined;

  private constructor(
    private readonly options: EngineOptions,
    snapshot: Snapshot,
  ) {
    this.snapshot = snapshot;
  }

  static async open(options: Partial<EngineOptions> & Pick<EngineOptions, 'embedder'>): Promise<Engine> {
    const settings: EngineOptions = {
      indexDirectory: '.footnote',
      retriever: {},
      groundingThreshold: DEFAULT_GROUNDING_THRESHOLD,
      ...options,
    };
    const snapshot = await loadSnapshot(settings);
    settings.corpusRoot ??= snapshot.index.manifest.corpusRoot;
    checkCorpus(settings, snapshot);
    return new Engine(settings, snapshot);
  }

  /** The corpus this engine answers from; generations built from another are refused. */
  get corpusRoot(): string {
    return this.options.corpusRoot ?? this.snapshot.index.manifest.corpusRoot;
  }

  get index(): LoadedIndex {
    return this.snapshot.index;
  }

  get embedderId(): string {
    return this.snapshot.embedder.id;
  }

  get generatorId(): string {
    return this.snapshot.context.generator.id;
  }

  get loadedAt(): Date {
    return this.snapshot.loadedAt;
  }

  /** The name of the generation being served. */
  get generation(): string {
    return this.snapshot.generation;
  }

  get indexDirectory(): string {
    return this.options.indexDirectory;
  }

  askStream(request: AskRequest): AsyncGenerator<AnswerStreamPart> {
    return askStream(request, this.snapshot.context);
  }

  ask(request: AskRequest): Promise<Answer> {
    return ask(request, this.snapshot.context);
  }

  source(sourceId: string): SourceDocument | undefined {
    return this.snapshot.index.sourceById.get(sourceId);
  }

  /**
   * Why the newest generation on disk is not being served (the previous one is), or undefined
   * when the engine serves the newest one.
   */
  get reloadFailure(): ReloadFailure | undefined {
    return this.failure;
  }

  /**
   * Loads the current generation if it differs from the one being served. Returns true if
   * swapped. A generation that fails to load (damaged, built with another embedder…) is refused:
   * the previous snapshot keeps serving, the failure is reported to `onReload`, kept in
   * `reloadFailure`, and thrown. A generation already refused is not read again.
   */
  async reload(): Promise<boolean> {
    const generation = currentGeneration(this.options.indexDirectory);
    if (!generation || generation === this.snapshot.generation) {
      if (generation) this.failure = undefined;
      return false;
    }
    if (this.failure?.generation === generation) throw this.failure.error;
    let snapshot: Snapshot;
    try {
      snapshot = await loadSnapshot(this.options);
      checkCorpus(this.options, snapshot);
    } catch (caught) {
      const error =
        caught instanceof FootnoteError
          ? caught
          : new FootnoteError('internal', `index generation ${generation} could not be loaded`, {
              cause: caught,
            });
      this.failure = { generation, error, at: new Date() };
      this.options.onReload?.({ generation, error });
      throw error;
    }
    this.snapshot = snapshot;
    this.failure = undefined;
    this.options.onReload?.({ generation: snapshot.generation });
    return true;
  }

  /** Polls the index directory and reloads when an ingest finishes. Returns a function that stops it. */
  watch(intervalMs = 1000): () => void {
    const pointer = path.join(this.options.indexDirectory, 'CURRENT');
    let busy = false;
    const listener = () => {
      if (busy) return;
      busy = true;
      // Failures are reported through onReload and reloadFailure.
      this.reload()
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    };
    watchFile(pointer, { interval: intervalMs }, listener);
    return () => unwatchFile(pointer, listener);
  }
}

/** Refuses a generation built from another corpus than the one this engine serves. */
function checkCorpus(options: EngineOptions, snapshot: Snapshot): void {
  const built = snapshot.index.manifest.corpusRoot;
  if (options.corpusRoot !== undefined && built !== options.corpusRoot)
    throw new FootnoteError(
      'corpus_mismatch',
      `index generation ${snapshot.generation} in ${options.indexDirectory} was built from the corpus ${built}, but this server answers from ${options.corpusRoot}; each corpus has its own index (ingest it without --index-dir, or restart the server with --corpus ${built})`,
    );
}

async function loadSnapshot(options: EngineOptions): Promise<Snapshot> {
  // The embedder's files load while the index is read and parsed.
  const preparing = options.embedder.prepare();
  preparing.catch(() => {});
  const index = await loadIndex(options.indexDirectory);
  const built = index.manifest.embedder.id;
  if (built !== options.embedder.id) {
    throw new FootnoteError(
      'embedder_mismatch',
      `index was built with embedder ${built} but the server is using ${options.embedder.id}; run \`footnote ingest --rebuild\` (or set FOOTNOTE_EMBEDDER=${built.startsWith('transformers:') ? built : 'glove'})`,
    );
  }
  await preparing;
  const embedder = await options.embedder.restore(index.embedderState);
  if (embedder.dimensions !== index.manifest.embedder.dimensions) {
    throw new FootnoteError(
      'embedder_mismatch',
      `index vectors have ${index.manifest.embedder.dimensions} dimensions but ${embedder.id} gives ${embedder.dimensions}; run \`footnote ingest --rebuild\``,
    );
  }
  const retriever = new HybridRetriever(index, embedder, options.retriever);
  const documentCount = index.chunks.length;
  const idfCache = new Map<string, number>();
  const idf = (term: string) => {
    let value = idfCache.get(term);
    if (value === undefined) {
      const frequency = index.lexicalIndex.documentFrequency(term);
      value = Math.log(1 + (documentCount - frequency + 0.5) / (frequency + 0.5));
      if (idfCache.size < 100_000) idfCache.set(term, value);
    }
    return value;
  };
  // Re-ranking looks at the whole source of each candidate passage; analysing an article costs
  // about as much as answering, so the term sets of recently seen sources are kept.
  const sourceTermCache = new LRUCache<string, Set<string>>({ max: SOURCE_TERM_CACHE_SIZE });
  const extractive = new ExtractiveGenerator();
  const generator = options.generator ? options.generator(extractive) : extractive;
  const context: AskContext = {
    retriever,
    generator,
    embedder,
    idf,
    documentFrequency: (term) => index.lexicalIndex.documentFrequency(term),
    source: (sourceId) => index.sourceById.get(sourceId),
    sourceTerms: (sourceId) => {
      let terms = sourceTermCache.get(sourceId);
      if (!terms) {
        terms = new Set(analyze(index.sourceById.get(sourceId)?.text ?? ''));
        sourceTermCache.set(sourceId, terms);
      }
      return terms;
    },
    groundingThreshold: options.groundingThreshold,
    ...options.answering,
  };
  return { generation: path.basename(index.directory), index, embedder, context, loadedAt: new Date() };
}
