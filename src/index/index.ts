export { Bm25LexicalIndex, type Bm25Options, defaultBm25Options } from './bm25-lexical-index.js';
export { defaultHnswOptions, type HnswOptions, HnswVectorIndex } from './hnsw-vector-index.js';
export { type IndexManifest, indexManifestSchema } from './index-manifest.js';
export {
  currentGeneration,
  FORMAT_VERSION,
  type IndexData,
  indexExists,
  type LoadedIndex,
  loadIndex,
  readManifest,
  vectorOf,
  withIngestLock,
  writeIndex,
} from './index-store.js';
