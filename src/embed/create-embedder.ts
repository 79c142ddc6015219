import { FootnoteError } from '../errors.js';
import type { Embedder } from '../types.js';
import { embedMany } from './embed-many.js';
import { countWords, GloveEmbedder, principalComponent, type WordStatistics } from './glove-embedder.js';
import { type GloveVectors, loadGloveVectors } from './glove-vectors.js';
import { createTransformersEmbedder, findLocalTransformersModel } from './transformers-embedder.js';

/**
 * Makes the configured embedder, fitted to a corpus at ingest and restored from the saved
 * state when an index is queried.
 */
export interface EmbedderProvider {
  /** The id the embedder will have (`glove-sg-100d`, `transformers:<model-id>`). */
  readonly id: string;
  /** Settings that change the vectors without changing the id; an index built with others is rebuilt. */
  readonly settings: Record<string, unknown>;
  /** At ingest: the embedder for this corpus and the state to save with the index. */
  fit(texts: string[]): Promise<{ embedder: Embedder; state: unknown }>;
  /** At query time: the embedder as it was fitted, from the saved state. */
  restore(state: unknown): Promise<Embedder>;
  /** Starts loading what the embedder needs (word vectors, model), so it overlaps other start-up work. */
  prepare(): Promise<void>;
}

/** Which embedder `chooseEmbedder` makes, and where it finds model files and caches. */
export interface EmbedderChoiceOptions {
  /**
   * `auto`, `glove` or `transformers:<model-id>`.
   * @default 'auto'
   */
  embedder: string;
  /** Where transformers.js models are looked for. @default 'models' */
  modelsDirectory: string;
  /** Where the GloVe binary cache lives. @default 'node_modules/.cache/footnote' */
  cacheDirectory: string;
  /**
   * Let a named `transformers:<id>` model be downloaded from the hub when it is not in the models
   * folder and the hub answers a quick reachability check. `auto` never downloads.
   * @default false
   */
  allowRemoteModels: boolean;
  /**
   * Remove the corpus's common component from GloVe embeddings (SIF's second step). Measured on
   * SQuAD: dense-only hit@1 0.343 → 0.382, hit@5 0.587 → 0.629 (see EVALS.md).
   * @default true
   */
  removeCommonComponent: boolean;
  /** One-line notices for the user (fallbacks, first-time conversions). */
  onNotice: (message: string) => void;
}

/** The defaults of `EmbedderChoiceOptions`. */
export const defaultEmbedderChoiceOptions: EmbedderChoiceOptions = {
  embedder: 'auto',
  modelsDirectory: 'models',
  cacheDirectory: 'node_modules/.cache/footnote',
  allowRemoteModels: false,
  removeCommonComponent: true,
  onNotice: () => {},
};

interface GloveState {
  statistics: WordStatistics;
  commonComponent?: number[];
}

/**
 * Resolves the embedder setting. `auto` uses a complete transformers.js model found in the
 * models directory, and otherwise GloVe with one notice line; it never touches the network.
 */
export function chooseEmbedder(options: Partial<EmbedderChoiceOptions> = {}): EmbedderProvider {
  const settings = { ...defaultEmbedderChoiceOptions, ...options };
  const spec = settings.embedder.trim();
  if (spec === 'auto') {
    const local = findLocalTransformersModel(settings.modelsDirectory);
    if (local) return transformersProvider(local, settings);
    settings.onNotice(
      `embedder: no transformers model in ${settings.modelsDirectory}/, using the offline GloVe embedder (glove-sg-100d)`,
    );
    return gloveProvider(settings);
  }
  if (spec === 'glove' || spec === 'glove-sg-100d') return gloveProvider(settings);
  if (spec.startsWith('transformers:') && spec.length > 'transformers:'.length)
    return transformersProvider(spec.slice('transformers:'.length), settings);
  throw new FootnoteError(
    'invalid_request',
    `unknown embedder "${spec}"; use auto, glove or transformers:<model-id> (e.g. transformers:Xenova/bge-small-en-v1.5)`,
  );
}

function gloveProvider(settings: EmbedderChoiceOptions): EmbedderProvider {
  let vectors: Promise<GloveVectors> | undefined;
  const load = () => (vectors ??= loadGloveVectors(settings.cacheDirectory, settings.onNotice));
  return {
    id: 'glove-sg-100d',
    settings: { removeCommonComponent: settings.removeCommonComponent },
    async fit(texts) {
      const loaded = await load();
      const statistics = countWords(texts, loaded);
      const state: GloveState = { statistics };
      if (settings.removeCommonComponent && texts.length > 1) {
        const plain = new GloveEmbedder(loaded, { statistics });
        state.commonComponent = principalComponent(texts.map((text) => plain.rawEmbedding(text)));
      }
      return { embedder: new GloveEmbedder(loaded, state), state };
    },
    async restore(state) {
      const loaded = await load();
      const saved = (state ?? undefined) as GloveState | undefined;
      return new GloveEmbedder(loaded, saved ?? {});
    },
    async prepare() {
      await load();
    },
  };
}

function transformersProvider(modelId: string, settings: EmbedderChoiceOptions): EmbedderProvider {
  let embedder: Promise<Embedder> | undefined;
  const load = () =>
    (embedder ??= createTransformersEmbedder({
      modelId,
      modelsDirectory: settings.modelsDirectory,
      allowRemote: settings.allowRemoteModels,
    }));
  return {
    id: `transformers:${modelId}`,
    settings: {},
    async fit() {
      return { embedder: await load(), state: null };
    },
    restore: load,
    // Loading a model may check the hub; that waits until the index has confirmed this embedder.
    async prepare() {},
  };
}

export { embedMany };
