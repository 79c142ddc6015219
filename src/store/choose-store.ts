import { FootnoteError } from '../errors.js';
import { FileStoreProvider } from './file-store.js';
import { PostgresStoreProvider } from './postgres-store.js';
import type { StoreProvider } from './store.js';

/** Which index store `chooseStore` opens. */
export interface StoreChoiceOptions {
  /**
   * `file` (the embedded store, in `indexDirectory`) or a `postgres://…` URL.
   * @default 'file'
   */
  store: string | undefined;
  /** Folder of the embedded store. */
  indexDirectory: string;
  /** Postgres schema holding this corpus. @default 'footnote' */
  schema?: string;
}

/** The store a command's flags and environment ask for. */
export function chooseStore(options: StoreChoiceOptions): StoreProvider {
  const choice = options.store?.trim() || 'file';
  if (choice === 'file') return new FileStoreProvider(options.indexDirectory);
  if (/^postgres(ql)?:\/\//i.test(choice))
    return new PostgresStoreProvider({ url: choice, ...(options.schema ? { schema: options.schema } : {}) });
  throw new FootnoteError(
    'invalid_request',
    `unknown store "${choice.replace(/\/\/[^@/]*@/, '//***@')}"; use file (the default, an index folder) or a postgres://user:password@host:5432/database URL (set with --store or FOOTNOTE_STORE)`,
  );
}
