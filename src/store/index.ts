export { FILE_STORE_ID, FileStoreProvider, FileStoreSnapshot, indexedText } from './file-store.js';
export { type FusedHit, fuse } from './fuse.js';
export type {
  ChunkDraft,
  CreateOptions,
  FusionOptions,
  GenerationManifest,
  GenerationWriter,
  ManifestFile,
  SearchMode,
  SourceSummary,
  StoreHit,
  StoreManifest,
  StoreProvider,
  StoreSearchRequest,
  StoreSnapshot,
} from './store.js';
