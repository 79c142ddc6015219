import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Generator } from '../answer/index.js';
import { chooseEmbedder, type EmbedderProvider } from '../embed/index.js';
import { Engine, type EngineOptions } from '../engine.js';
import { FootnoteError } from '../errors.js';
import { type IngestReport, ingestCorpus } from '../ingest/index.js';
import type { RetrieverMode } from '../retrieve/index.js';
import { chooseStore, type StoreProvider } from '../store/index.js';
import { oneLine } from '../text/index.js';
import type { EnvironmentConfig } from './config.js';
import { ingestProgress } from './progress.js';

/** Flags shared by the commands that read or build an index. */
export interface IndexFlags {
  indexDir?: string;
  /** `file` or a `postgres://…` URL (env FOOTNOTE_STORE). */
  store?: string;
  embedder?: string;
  corpus?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  mode?: RetrieverMode;
  k?: number;
  /** `extractive` or `llm` (env FOOTNOTE_GENERATOR). */
  generator?: string;
}

/** Resolved settings for one command run. */
export interface Runtime {
  config: EnvironmentConfig;
  corpusDirectory: string;
  indexDirectory: string;
  /** Where the index lives (the file store in `indexDirectory`, or Postgres). */
  store: StoreProvider;
  embedder: EmbedderProvider;
  chunking: { targetChars?: number; overlapSentences?: number };
  notice: (message: string) => void;
}

/** Resolves the settings of one command run from the environment and the flags (flags win). */
export function createRuntime(
  config: EnvironmentConfig,
  flags: IndexFlags,
  notice: (message: string) => void = (line) => process.stderr.write(`${line}\n`),
): Runtime {
  const embedder = chooseEmbedder({
    embedder: flags.embedder ?? config.embedder,
    modelsDirectory: config.modelsDirectory,
    cacheDirectory: config.cacheDirectory,
    allowRemoteModels: config.allowRemoteModels,
    onNotice: notice,
  });
  const corpusDirectory = path.resolve(flags.corpus ?? config.corpusDirectory);
  const indexDirectory =
    flags.indexDir === undefined
      ? corpusIndexDirectory(config.indexDirectory, corpusDirectory)
      : path.resolve(flags.indexDir);
  return {
    config,
    corpusDirectory,
    indexDirectory,
    store: chooseStore({ store: flags.store ?? config.store, indexDirectory }),
    embedder,
    chunking: {
      ...(flags.chunkSize === undefined ? {} : { targetChars: flags.chunkSize }),
      ...(flags.chunkOverlap === undefined ? {} : { overlapSentences: flags.chunkOverlap }),
    },
    notice,
  };
}

/**
 * Where a corpus's index lives when `--index-dir` is not given: one folder per corpus under the
 * state folder (FOOTNOTE_INDEX_DIR, default .footnote), named after the corpus folder and a hash
 * of its real path, so two corpora never share (and overwrite) one index.
 *
 * @example corpusIndexDirectory('.footnote', '/home/me/docs') // '/…/.footnote/docs-3f9a0c1b2d4e'
 */
export function corpusIndexDirectory(stateDirectory: string, corpusDirectory: string): string {
  let real: string;
  try {
    real = realpathSync(corpusDirectory);
  } catch {
    real = path.resolve(corpusDirectory);
  }
  const name =
    path
      .basename(real)
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 40) || 'corpus';
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  return path.join(path.resolve(stateDirectory), `${name}-${hash}`);
}

/** Runs an (incremental) ingest with a progress display and one summary line. */
export async function runIngest(
  runtime: Runtime,
  options: { rebuild?: boolean; quiet?: boolean; signal?: AbortSignal } = {},
): Promise<IngestReport> {
  const progress = options.quiet ? undefined : ingestProgress();
  try {
    const report = await ingestCorpus({
      corpusDirectory: runtime.corpusDirectory,
      indexDirectory: runtime.indexDirectory,
      store: runtime.store,
      embedder: runtime.embedder,
      chunking: runtime.chunking,
      rebuild: options.rebuild ?? false,
      onWarning: (message) => runtime.notice(`warning: ${message}`),
      onProgress: (phase, done, total) => progress?.update(phase, done, total),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    progress?.stop();
    if (!options.quiet || report.written)
      runtime.notice(`${summarize(report)}; index ${oneLine(runtime.indexDirectory)}`);
    return report;
  } finally {
    progress?.stop();
  }
}

/** One line saying what an ingest changed, e.g. `indexed 5 files (2 added, 1 changed) → 120 chunks in 1.2 s`. */
export function summarize(report: IngestReport): string {
  const parts = [
    `${report.unchanged.length} unchanged`,
    `${report.added.length} added`,
    `${report.changed.length} changed`,
    `${report.removed.length} removed`,
  ];
  if (report.skipped > 0) parts.push(`${report.skipped} skipped (see the warnings above)`);
  const what = report.written
    ? `indexed ${report.sources} files as ${report.chunks} chunks (${report.embeddedChunks} embedded) in ${(report.durationMs / 1000).toFixed(1)} s with ${report.embedder}`
    : `index is up to date (${report.sources} files, ${report.chunks} chunks, ${report.embedder})`;
  return `${parts.join(', ')}; ${what}${report.rebuildReason ? ` [full rebuild: ${report.rebuildReason}]` : ''}`;
}

/** Ollama's OpenAI-compatible API on this machine, the `llm` generator's default endpoint. */
export const DEFAULT_LLM_BASE_URL = 'http://127.0.0.1:11434/v1';

/**
 * The generator the flags and environment ask for: undefined for `extractive` (the Engine's
 * default), a factory for `llm` (LangChain is only loaded then, keeping it off the start-up path).
 */
export async function generatorFactory(
  runtime: Runtime,
  flags: IndexFlags,
): Promise<((extractive: Generator) => Generator) | undefined> {
  const name = (flags.generator ?? runtime.config.generator).trim();
  if (name === 'extractive') return undefined;
  if (name !== 'llm')
    throw new FootnoteError(
      'invalid_request',
      `unknown generator "${name}"; use extractive (the default, offline) or llm (set with --generator or FOOTNOTE_GENERATOR)`,
    );
  const { baseUrl = DEFAULT_LLM_BASE_URL, model, apiKey, timeoutMs } = runtime.config.llm;
  if (!model) {
    throw new FootnoteError(
      'invalid_request',
      `--generator llm needs a model: set FOOTNOTE_LLM_MODEL (e.g. llama3.2:3b) and FOOTNOTE_LLM_BASE_URL (default ${DEFAULT_LLM_BASE_URL}, Ollama)`,
    );
  }
  if (!/^https?:\/\/[^/]/.test(baseUrl))
    throw new FootnoteError(
      'invalid_request',
      `FOOTNOTE_LLM_BASE_URL must be an http(s) URL such as ${DEFAULT_LLM_BASE_URL} (got "${baseUrl}")`,
    );
  const { LlmGenerator } = await import('../answer/llm-generator.js');
  return (extractive) =>
    new LlmGenerator(extractive, {
      baseUrl,
      model,
      ...(apiKey ? { apiKey } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      onError: (line) => runtime.notice(`warning: ${line}`),
    });
}

/** Opens the engine over the runtime's index, with the generator the flags or environment choose. */
export async function openEngine(
  runtime: Runtime,
  flags: IndexFlags,
  generator?: (extractive: Generator) => Generator,
  engineOptions: Pick<Partial<EngineOptions>, 'onReload' | 'corpusRoot'> = {},
): Promise<Engine> {
  generator ??= await generatorFactory(runtime, flags);
  return Engine.open({
    ...engineOptions,
    indexDirectory: runtime.indexDirectory,
    store: runtime.store,
    embedder: runtime.embedder,
    retriever: { ...(flags.k ? { k: flags.k } : {}), ...(flags.mode ? { mode: flags.mode } : {}) },
    ...(runtime.config.groundingThreshold === undefined
      ? {}
      : { groundingThreshold: runtime.config.groundingThreshold }),
    ...(generator ? { generator } : {}),
  });
}
