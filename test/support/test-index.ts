import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chooseEmbedder, type EmbedderProvider } from '../../src/embed/index.js';
import { Engine, type EngineOptions } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';

/** The repository root (tests run from it, but spawned processes need absolute paths). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The default corpus shipped in the repository. */
export const CORPUS = path.join(REPO_ROOT, 'corpus');

let sharedEmbedder: EmbedderProvider | undefined;

/** The real offline GloVe embedder, one per test file (loading its vectors takes a moment). */
export function gloveEmbedder(): EmbedderProvider {
  sharedEmbedder ??= chooseEmbedder({ embedder: 'glove' });
  return sharedEmbedder;
}

/** A fresh temporary directory; the caller removes it. */
export async function temporaryDirectory(prefix = 'footnote-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A real index of a corpus (the default one unless given), built with GloVe in a temporary folder,
 * with the ingest's warnings (skipped files).
 */
export async function buildTestIndex(corpusDirectory = CORPUS): Promise<{
  indexDirectory: string;
  embedder: EmbedderProvider;
  warnings: string[];
  open: (options?: Partial<EngineOptions>) => Promise<Engine>;
  remove: () => Promise<void>;
}> {
  const indexDirectory = await temporaryDirectory('footnote-index-');
  const embedder = gloveEmbedder();
  const warnings: string[] = [];
  await ingestCorpus({
    corpusDirectory,
    indexDirectory,
    embedder,
    onWarning: (warning) => warnings.push(warning),
  });
  return {
    indexDirectory,
    embedder,
    warnings,
    open: (options = {}) => Engine.open({ indexDirectory, embedder, ...options }),
    remove: () => rm(indexDirectory, { recursive: true, force: true }),
  };
}
