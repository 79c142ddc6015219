/**
 * The `transformers:<model-id>` embedder: a sentence-embedding model run locally with
 * transformers.js (ONNX Runtime), loaded from `<modelsDirectory>/<model-id>/` without touching the
 * network unless the caller allows it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FootnoteError } from '../errors.js';
import type { Embedder, EmbedOptions } from '../types.js';

/** How token vectors become one text vector. */
export type TransformersPooling = 'mean' | 'cls';

/** Options of {@link createTransformersEmbedder}. */
export interface TransformersEmbedderOptions {
  /** Hugging Face model id, e.g. `Xenova/bge-small-en-v1.5`; also the folder below `modelsDirectory`. */
  modelId: string;
  /**
   * Folder holding one sub-folder per model (`<org>/<name>/config.json`, `onnx/model.onnx`, ...).
   * @default 'models'
   */
  modelsDirectory: string;
  /**
   * Download missing files from the Hugging Face hub into `modelsDirectory`. Off by default so that
   * a missing model is a clear error, never a hanging download.
   * @default false
   */
  allowRemote?: boolean;
  /**
   * Load `onnx/model_quantized.onnx` (int8) instead of `onnx/model.onnx`.
   * @default true when `onnx/model_quantized.onnx` exists (or neither file does), else false
   */
  quantized?: boolean;
  /**
   * Pooling the model was trained with.
   * @default the model family's pooling (`cls` for bge, `mean` otherwise)
   */
  pooling?: TransformersPooling;
  /**
   * Prepended to every query.
   * @default the model family's query prefix (bge: "Represent this sentence for searching relevant passages: ", e5: "query: ", nomic-embed: "search_query: ", others: "")
   */
  queryPrefix?: string;
  /**
   * Prepended to every document chunk.
   * @default the model family's document prefix (e5: "passage: ", nomic-embed: "search_document: ", others: "")
   */
  documentPrefix?: string;
  /**
   * Texts per model call; larger batches are faster but pad every text to the longest one.
   * @default 16
   */
  maxBatchSize?: number;
}

/** Result of {@link checkModelFiles}. */
export interface ModelFilesCheck {
  /** True when every file transformers.js needs is present. */
  ok: boolean;
  /** Missing files, relative to `directory` (e.g. `onnx/model_quantized.onnx`). */
  missing: string[];
  /** Absolute folder the files were looked for in. */
  directory: string;
}

interface ModelFamily {
  pattern: RegExp;
  pooling: TransformersPooling;
  queryPrefix: string;
  documentPrefix: string;
}

/** Known families, first match wins; each as its model card prescribes. */
const MODEL_FAMILIES: ModelFamily[] = [
  { pattern: /(^|[^a-z0-9])bge-m3([^a-z0-9]|$)/, pooling: 'cls', queryPrefix: '', documentPrefix: '' },
  {
    pattern: /(^|[^a-z0-9])bge([^a-z0-9]|$)/,
    pooling: 'cls',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    documentPrefix: '',
  },
  {
    pattern: /(^|[^a-z0-9])e5([^a-z0-9]|$)/,
    pooling: 'mean',
    queryPrefix: 'query: ',
    documentPrefix: 'passage: ',
  },
  {
    pattern: /nomic-embed/,
    pooling: 'mean',
    queryPrefix: 'search_query: ',
    documentPrefix: 'search_document: ',
  },
  { pattern: /(^|[^a-z0-9])gte([^a-z0-9]|$)/, pooling: 'mean', queryPrefix: '', documentPrefix: '' },
  { pattern: /minilm|mpnet|sentence-transformers/, pooling: 'mean', queryPrefix: '', documentPrefix: '' },
];

const DEFAULT_FAMILY: ModelFamily = { pattern: /.*/, pooling: 'mean', queryPrefix: '', documentPrefix: '' };

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
const MODEL_ID_PATTERN = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const HUB_URL = 'https://huggingface.co';

function onnxFile(quantized: boolean): string {
  return quantized ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx';
}

function modelDirectory(modelId: string, modelsDirectory: string): string {
  return path.resolve(modelsDirectory, ...modelId.split('/'));
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Checks, without loading anything, that `<modelsDirectory>/<modelId>/` holds the files
 * transformers.js needs: `config.json`, `tokenizer.json`, `tokenizer_config.json` and
 * `onnx/model_quantized.onnx` (quantized) or `onnx/model.onnx`.
 *
 * @example
 * const check = checkModelFiles('Xenova/bge-small-en-v1.5', 'models', true);
 * if (!check.ok) console.error(`missing in ${check.directory}: ${check.missing.join(', ')}`);
 */
export function checkModelFiles(
  modelId: string,
  modelsDirectory: string,
  quantized: boolean,
): ModelFilesCheck {
  const directory = modelDirectory(modelId, modelsDirectory);
  const missing = [...REQUIRED_FILES, onnxFile(quantized)].filter(
    (file) => !isFile(path.join(directory, file)),
  );
  return { ok: missing.length === 0, missing, directory };
}

function hasCompleteFiles(modelId: string, modelsDirectory: string): boolean {
  return (
    checkModelFiles(modelId, modelsDirectory, true).ok || checkModelFiles(modelId, modelsDirectory, false).ok
  );
}

function listDirectories(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * Finds a usable model in `modelsDirectory`: the first folder, in name order, at `<org>/<name>` or
 * `<name>` whose files are complete (quantized or not). Reads two folder levels only and never
 * touches the network. Used by the `auto` embedder choice.
 *
 * @returns the model id (e.g. `Xenova/bge-small-en-v1.5`), or undefined when none is complete
 */
export function findLocalTransformersModel(modelsDirectory: string): string | undefined {
  for (const name of listDirectories(modelsDirectory)) {
    if (hasCompleteFiles(name, modelsDirectory)) return name;
    for (const child of listDirectories(path.join(modelsDirectory, name))) {
      const modelId = `${name}/${child}`;
      if (hasCompleteFiles(modelId, modelsDirectory)) return modelId;
    }
  }
  return undefined;
}

/**
 * Whether https://huggingface.co answers a HEAD request within `timeoutMs`. False on any error or
 * timeout; never hangs. Only worth asking when a model is missing locally.
 *
 * @param timeoutMs give up after this many milliseconds. @default 1500
 */
export async function isHubReachable(timeoutMs = 1500): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // The timer guards against a fetch that ignores its signal (e.g. stuck in DNS resolution).
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 100);
    timer.unref();
  });
  const request = fetch(HUB_URL, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) }).then(
    (response) => response.status < 500,
    () => false,
  );
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function familyOf(modelId: string): ModelFamily {
  const id = modelId.toLowerCase();
  return MODEL_FAMILIES.find((family) => family.pattern.test(id)) ?? DEFAULT_FAMILY;
}

function missingFilesMessage(modelId: string, check: ModelFilesCheck, reason: string): string {
  return (
    `model ${modelId} cannot be loaded: ${check.missing.join(', ')} not found in ${check.directory}${reason}; ` +
    `download them from ${HUB_URL}/${modelId}/tree/main into ${check.directory}, ` +
    'or set FOOTNOTE_MODELS_DIR to the folder that holds the model'
  );
}

/** The slice of transformers.js's feature-extraction pipeline this file relies on. */
interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: TransformersPooling; normalize: boolean },
  ): Promise<{ dims: number[]; data: ArrayLike<number> }>;
  tokenizer: { model_max_length: unknown };
  model: { config: { model_type?: string; max_position_embeddings?: number } };
}

/** transformers.js keeps its settings in one global `env`, so loads run one at a time. */
let loadQueue: Promise<unknown> = Promise.resolve();

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = loadQueue.then(task, task);
  loadQueue = result.catch(() => undefined);
  return result;
}

async function loadExtractor(
  modelId: string,
  modelsDirectory: string,
  allowRemote: boolean,
  quantized: boolean,
): Promise<FeatureExtractor> {
  return serialized(async () => {
    const { env, pipeline } = await import('@xenova/transformers');
    const settings = env as {
      localModelPath: string;
      allowLocalModels: boolean;
      allowRemoteModels: boolean;
      useFSCache: boolean;
      cacheDir: string;
    };
    settings.localModelPath = modelsDirectory;
    settings.allowLocalModels = true;
    settings.allowRemoteModels = allowRemote;
    // Its file cache is consulted before localModelPath; pointing both at the same folder keeps a
    // stale cache from shadowing the user's files and puts downloads where the next run looks.
    settings.useFSCache = true;
    settings.cacheDir = modelsDirectory;
    const extractor = await pipeline('feature-extraction', modelId, {
      quantized,
      local_files_only: !allowRemote,
    });
    return extractor as unknown as FeatureExtractor;
  });
}

/** Caps the tokenizer at the model's positions when tokenizer_config.json leaves it unset or huge. */
function capSequenceLength(extractor: FeatureExtractor): void {
  const { model_type: modelType, max_position_embeddings: positions } = extractor.model.config;
  const limit = (positions ?? 512) - (modelType === 'roberta' || modelType === 'xlm-roberta' ? 2 : 0);
  const current = extractor.tokenizer.model_max_length;
  if (typeof current !== 'number' || !Number.isFinite(current) || current > limit) {
    extractor.tokenizer.model_max_length = limit;
  }
}

function normalized(values: ArrayLike<number>, start: number, width: number): Float32Array {
  const vector = new Float32Array(width);
  let sumOfSquares = 0;
  for (let index = 0; index < width; index++) {
    const value = values[start + index] ?? 0;
    vector[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares);
  if (norm > 0) for (let index = 0; index < width; index++) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;

  constructor(
    modelId: string,
    dimensions: number,
    maxBatchSize: number,
    private readonly extractor: FeatureExtractor,
    private readonly pooling: TransformersPooling,
    private readonly queryPrefix: string,
    private readonly documentPrefix: string,
  ) {
    this.id = `transformers:${modelId}`;
    this.dimensions = dimensions;
    this.maxBatchSize = maxBatchSize;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const prefix = options.kind === 'query' ? this.queryPrefix : this.documentPrefix;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxBatchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(start, start + this.maxBatchSize).map((text) => prefix + text);
      const output = await this.extractor(batch, { pooling: this.pooling, normalize: false });
      const width = output.dims[output.dims.length - 1] ?? 0;
      for (let row = 0; row < batch.length; row++) vectors.push(normalized(output.data, row * width, width));
    }
    return vectors;
  }
}

/**
 * Loads a transformers.js sentence-embedding model from `<modelsDirectory>/<modelId>/` and returns
 * an {@link Embedder} with id `transformers:<modelId>`. Pooling and query/document prefixes follow
 * the model family (bge, e5, gte, nomic-embed, all-MiniLM / sentence-transformers) unless given.
 * Vectors are unit length and come back in input order.
 *
 * @throws FootnoteError `model_files_missing` when files are missing and `allowRemote` is false
 * (or the hub is unreachable), naming each missing file and where it was looked for.
 * @example
 * const embedder = await createTransformersEmbedder({ modelId: 'Xenova/bge-small-en-v1.5', modelsDirectory: 'models' });
 * const [query] = await embedder.embed(['what is a footnote?'], { kind: 'query' });
 */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const { modelId, allowRemote = false, maxBatchSize = 16 } = options;
  if (!MODEL_ID_PATTERN.test(modelId) || modelId.split('/').includes('..')) {
    throw new FootnoteError(
      'invalid_request',
      `embedder model id must look like "org/name" or "name" (e.g. Xenova/bge-small-en-v1.5), got "${modelId}"`,
    );
  }
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new FootnoteError(
      'invalid_request',
      `maxBatchSize must be a positive integer, got ${maxBatchSize}`,
    );
  }
  const modelsDirectory = path.resolve(options.modelsDirectory);
  const directory = modelDirectory(modelId, modelsDirectory);
  const quantized =
    options.quantized ??
    (existsSync(path.join(directory, onnxFile(true))) || !existsSync(path.join(directory, onnxFile(false))));

  const check = checkModelFiles(modelId, modelsDirectory, quantized);
  if (!check.ok) {
    if (!allowRemote) {
      throw new FootnoteError(
        'model_files_missing',
        missingFilesMessage(modelId, check, ' and downloading is off'),
        {
          details: { missing: check.missing },
        },
      );
    }
    if (!(await isHubReachable())) {
      throw new FootnoteError(
        'model_files_missing',
        missingFilesMessage(modelId, check, ` and ${HUB_URL} is unreachable`),
        {
          details: { missing: check.missing },
        },
      );
    }
  }

  let extractor: FeatureExtractor;
  try {
    extractor = await loadExtractor(modelId, modelsDirectory, allowRemote, quantized);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new FootnoteError(
      'model_files_missing',
      `model ${modelId} in ${directory} could not be loaded (${detail}); ` +
        `download its files again from ${HUB_URL}/${modelId}/tree/main`,
      { cause: error },
    );
  }
  capSequenceLength(extractor);

  const family = familyOf(modelId);
  const pooling = options.pooling ?? family.pooling;
  // The output width is the truth; config.json's hidden_size is wrong for models with a projection.
  const probe = await extractor(['dimension probe'], { pooling, normalize: false });
  const dimensions = probe.dims[probe.dims.length - 1] ?? 0;
  return new TransformersEmbedder(
    modelId,
    dimensions,
    maxBatchSize,
    extractor,
    pooling,
    options.queryPrefix ?? family.queryPrefix,
    options.documentPrefix ?? family.documentPrefix,
  );
}
