export { chooseStore, type StoreChoiceOptions } from './choose-store.js';
export { FILE_STORE_ID, FileStoreProvider, FileStoreSnapshot, indexedText } from './file-store.js';
export { type FusedHit, fuse } from './fuse.js';
export {
  defaultPostgresStoreOptions,
  POSTGRES_STORE_ID,
  type PostgresStoreOptions,
  PostgresStoreProvider,
  PostgresStoreSnapshot,
  redactUrl,
  SCHEMA_VERSION,
} from './postgres-store.js';
// The seam: every type a store implements or a caller passes.
export type * from './store.js';
