export { analyze, STOP_WORDS } from './analyze.js';
export { Bm25LexicalIndex, defaultBm25Options, type Bm25Options } from './bm25-lexical-index.js';
export { HnswVectorIndex, defaultHnswOptions, type HnswOptions } from './hnsw-vector-index.js';
export {
  FORMAT_VERSION,
  currentGeneration,
  indexExists,
  loadIndex,
  readManifest,
  withIngestLock,
  writeIndex,
  type IndexData,
  type IndexManifest,
  type LoadedIndex,
} from './index-store.js';
