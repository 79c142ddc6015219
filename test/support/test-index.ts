import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine, type EngineOptions } from '../../src/engine.js';
import { ingestCorpus } from '../../src/ingest/index.js';

/** The default corpus indexed with the offline GloVe embedder in a temporary folder. */
export async function buildTestIndex(): Promise<{
  indexDirectory: string;
  open: (options?: Partial<EngineOptions>) => Promise<Engine>;
  remove: () => Promise<void>;
}> {
  const indexDirectory = await mkdtemp(path.join(os.tmpdir(), 'footnote-test-'));
  const embedder = chooseEmbedder({ embedder: 'glove' });
  await ingestCorpus({ corpusDirectory: 'corpus', indexDirectory, embedder });
  return {
    indexDirectory,
    open: (options = {}) => Engine.open({ indexDirectory, embedder, ...options }),
    remove: () => rm(indexDirectory, { recursive: true, force: true }),
  };
}
