import { Command } from 'commander';
import type { EnvironmentConfig } from './config.js';
import { integerOption, withIndexOptions } from './options.js';
import { createRuntime, runIngest } from './runtime.js';

/** `footnote ingest`: indexes the corpus folder (incrementally unless `--rebuild`). */
export function ingestCommand(config: () => EnvironmentConfig): Command {
  return withIndexOptions(new Command('ingest'))
    .description(
      'Read a folder of .txt/.md/.html/.pdf/.docx files and build or update the index (only new and changed files are embedded; every other file is named in a warning)',
    )
    .argument('[dir]', 'corpus folder', undefined)
    .option('--rebuild', 'ignore the existing index and build from scratch')
    .option('--chunk-size <chars>', 'target chunk size in characters (default 700)', integerOption)
    .option(
      '--chunk-overlap <sentences>',
      'sentences shared by neighbouring chunks (default 1)',
      integerOption,
    )
    .action(
      async (
        dir: string | undefined,
        flags: {
          rebuild?: boolean;
          indexDir?: string;
          embedder?: string;
          chunkSize?: number;
          chunkOverlap?: number;
        },
      ) => {
        const runtime = createRuntime(config(), { ...flags, ...(dir ? { corpus: dir } : {}) });
        try {
          await runIngest(runtime, { rebuild: flags.rebuild ?? false });
        } finally {
          await runtime.store.close();
        }
      },
    );
}
