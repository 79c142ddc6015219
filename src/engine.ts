import {
  type Answer,
  type AnswerStreamPart,
  type AskContext,
  type AskOptions,
  type AskRequest,
  ask,
  askStream,
  createAskContext,
  ExtractiveGenerator,
  type Generator,
} from './answer/index.js';
import { type EmbedderProvider, GloveEmbedder } from './embed/index.js';
import { FootnoteError } from './errors.js';
import { HybridRetriever, type RetrieverOptions } from './retrieve/index.js';
import { FileStoreProvider, type StoreProvider, type StoreSnapshot } from './store/index.js';
import type { Embedder, SourceDocument } from './types.js';

/** What `Engine.open` loads and answers with. */
export interface EngineOptions {
  /** Index folder of the embedded store, used when `store` is not given. @default '.footnote' */
  indexDirectory: string;
  /** Where the index lives. @default the embedded (file) store in `indexDirectory` */
  store?: StoreProvider;
  /** The embedder the index was built with (checked against its manifest). */
  embedder: EmbedderProvider;
  /** Retriever settings over `defaultRetrieverOptions`. @default {} */
  retriever: Partial<RetrieverOptions>;
  /** Writes the answers; gets the extractive fallback it may use. @default extractive */
  generator?: (extractive: Generator) => Generator;
  /**
   * Confidence below which a question is refused as not answered by the corpus.
   * @default the threshold stored with the answer scorer's weights (chosen on the tuning halves, see EVALS.md)
   */
  groundingThreshold?: number;
  /** Re-ranking and evidence weights. @default defaultAskOptions (the measured best) */
  answering?: Partial<Omit<AskOptions, 'groundingThreshold'>>;
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

/** A generation in the store that could not be loaded, while the previous one is still served. */
export interface ReloadFailure {
  generation: string;
  error: FootnoteError;
  at: Date;
}

/** One loaded generation with everything needed to answer from it. */
interface Snapshot {
  store: StoreSnapshot;
  embedder: Embedder;
  context: AskContext;
  loadedAt: Date;
}

/**
 * Answers questions from the current generation of a store. Holds one loaded snapshot;
 * `reload()` (or `watch()`) swaps in a newly ingested generation atomically, while requests
 * already running finish on the snapshot they started with.
 */
export class Engine {
  private snapshot: Snapshot;
  private failure: ReloadFailure | undefined;

  private constructor(
    private readonly options: EngineOptions & { store: StoreProvider },
    snapshot: Snapshot,
  ) {
    this.snapshot = snapshot;
  }

  static async open(options: Partial<EngineOptions> & Pick<EngineOptions, 'embedder'>): Promise<Engine> {
    const indexDirectory = options.indexDirectory ?? '.footnote';
    const settings = {
      retriever: {},
      ...options,
      indexDirectory,
      store: options.store ?? new FileStoreProvider(indexDirectory),
    };
    const snapshot = await loadSnapshot(settings);
    settings.corpusRoot ??= snapshot.store.manifest.corpusRoot;
    await checkCorpus(settings, snapshot);
    return new Engine(settings, snapshot);
  }

  /** The corpus this engine answers from; generations built from another are refused. */
  get corpusRoot(): string {
    return this.options.corpusRoot ?? this.snapshot.store.manifest.corpusRoot;
  }

  /** The generation being served. */
  get store(): StoreSnapshot {
    return this.snapshot.store;
  }

  /** Where the index lives (`file`, `postgres`) and what it is called there. */
  get storeProvider(): StoreProvider {
    return this.options.store;
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
    return this.snapshot.store.generation;
  }

  get indexDirectory(): string {
    return this.options.indexDirectory;
  }

  /** What answering reads from the loaded generation (for tools that look inside an answer, like the scorer's training). */
  get askContext(): AskContext {
    return this.snapshot.context;
  }

  askStream(request: AskRequest): AsyncGenerator<AnswerStreamPart> {
    return askStream(request, this.snapshot.context);
  }

  ask(request: AskRequest): Promise<Answer> {
    return ask(request, this.snapshot.context);
  }

  /** A source of the generation being served, with its text. */
  source(sourceId: string): Promise<SourceDocument | undefined> {
    return this.snapshot.store.getSource(sourceId);
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
    const generation = await this.options.store.currentGeneration();
    if (!generation || generation === this.snapshot.store.generation) {
      if (generation) this.failure = undefined;
      return false;
    }
    if (this.failure?.generation === generation) throw this.failure.error;
    let snapshot: Snapshot;
    try {
      // Requests that started on the previous snapshot keep it until they finish.
      snapshot = await loadSnapshot(this.options);
      await checkCorpus(this.options, snapshot);
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
    this.options.onReload?.({ generation: snapshot.store.generation });
    return true;
  }

  /** Watches the store and reloads when an ingest finishes. Returns a function that stops it. */
  watch(intervalMs = 1000): () => void {
    let busy = false;
    return this.options.store.watch(() => {
      if (busy) return;
      busy = true;
      // Failures are reported through onReload and reloadFailure.
      this.reload()
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
  }
}

/** Refuses (and releases) a generation built from another corpus than the one this engine serves. */
async function checkCorpus(options: EngineOptions, snapshot: Snapshot): Promise<void> {
  const built = snapshot.store.manifest.corpusRoot;
  if (options.corpusRoot === undefined || built === options.corpusRoot) return;
  await snapshot.store.close().catch(() => {});
  throw new FootnoteError(
    'corpus_mismatch',
    `index generation ${snapshot.store.generation} in ${options.indexDirectory} was built from the corpus ${built}, but this server answers from ${options.corpusRoot}; each corpus has its own index (ingest it without --index-dir, or restart the server with --corpus ${built})`,
  );
}

async function loadSnapshot(options: EngineOptions & { store: StoreProvider }): Promise<Snapshot> {
  // The embedder's files load while the index is read and parsed.
  const preparing = options.embedder.prepare();
  preparing.catch(() => {});
  const store = await options.store.open();
  try {
    const built = store.manifest.embedder.id;
    if (built !== options.embedder.id) {
      throw new FootnoteError(
        'embedder_mismatch',
        `index was built with embedder ${built} but the server is using ${options.embedder.id}; run \`footnote ingest --rebuild\` (or set FOOTNOTE_EMBEDDER=${built.startsWith('transformers:') ? built : 'glove'})`,
      );
    }
    await preparing;
    const embedder = await options.embedder.restore(store.embedderState);
    if (embedder.dimensions !== store.manifest.embedder.dimensions) {
      throw new FootnoteError(
        'embedder_mismatch',
        `index vectors have ${store.manifest.embedder.dimensions} dimensions but ${embedder.id} gives ${embedder.dimensions}; run \`footnote ingest --rebuild\``,
      );
    }
    const extractive = new ExtractiveGenerator();
    const context = createAskContext(
      store,
      {
        retriever: new HybridRetriever(store, embedder, options.retriever),
        generator: options.generator ? options.generator(extractive) : extractive,
        embedder,
      },
      {
        ...options.answering,
        ...(options.groundingThreshold === undefined
          ? {}
          : { groundingThreshold: options.groundingThreshold }),
        // Word-to-word alignment reads the GloVe vectors directly; other embedders align exact words only.
        ...(embedder instanceof GloveEmbedder
          ? { wordVectors: async (words: string[]) => words.map((word) => embedder.wordVector(word)) }
          : {}),
      },
    );
    return { store, embedder, context, loadedAt: new Date() };
  } catch (error) {
    await store.close();
    throw error;
  }
}
