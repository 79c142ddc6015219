export { Bm25LexicalIndex, type Bm25Options, defaultBm25Options } from './bm25-lexical-index.js';
export { defaultHnswOptions, type HnswOptions, HnswVectorIndex } from './hnsw-vector-index.js';
export {
  currentGeneration,
  FORMAT_VERSION,
  type IndexData,
  type IndexManifest,
  indexExists,
  type LoadedIndex,
  loadIndex,
  readManifest,
  withIngestLock,
  writeIndex,
} from './index-store.js';
