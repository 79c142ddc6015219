import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileStoreProvider } from '../../src/store/index.js';
import { runStoreContract } from './store.case.js';

runStoreContract('FileStoreProvider', {
  provider: async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'footnote-store-'));
    return {
      provider: new FileStoreProvider(directory),
      reopen: () => new FileStoreProvider(directory),
      remove: () => rm(directory, { recursive: true, force: true }),
    };
  },
});
