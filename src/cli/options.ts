import { type Command, InvalidArgumentError, Option } from 'commander';
import { isPort, isWorkerCount } from './config.js';

/** Parses a whole-number flag value, with a clear message otherwise. */
export function integerOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return parsed;
}

/** Parses a port flag: a whole number from 0 (any free port) to 65535. */
export function portOption(value: string): number {
  const parsed = Number(value);
  if (!isPort(parsed))
    throw new InvalidArgumentError(`expected a port number from 0 to 65535, got "${value}"`);
  return parsed;
}

/** Parses `--workers`: a whole number of server processes from 1 to 256. */
export function workersOption(value: string): number {
  const parsed = Number(value);
  if (!isWorkerCount(parsed))
    throw new InvalidArgumentError(`expected a whole number of workers from 1 to 256, got "${value}"`);
  return parsed;
}

/** Options every index-reading command shares. */
export function withIndexOptions(command: Command): Command {
  return command
    .option('--index-dir <dir>', 'index folder (default: one per corpus under FOOTNOTE_INDEX_DIR, .footnote)')
    .option(
      '--store <store>',
      'where the index lives: file (the index folder) or postgres://user:password@host:5432/db (env FOOTNOTE_STORE, default file)',
    )
    .option(
      '--embedder <name>',
      'auto, glove or transformers:<model-id> (env FOOTNOTE_EMBEDDER, default auto)',
    );
}

/** Options of the commands that answer questions. */
export function withRetrievalOptions(command: Command): Command {
  return command
    .option('--k <n>', 'passages to retrieve (default 5)', integerOption)
    .addOption(
      new Option('--retriever <mode>', 'retrieval: hybrid, bm25 or dense')
        .choices(['hybrid', 'bm25', 'dense'])
        .default('hybrid'),
    );
}

/** The answerer: the offline extractive one or an LLM behind an OpenAI-compatible API. */
export function withGeneratorOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--generator <name>',
      'extractive (offline, quotes the passages) or llm (FOOTNOTE_LLM_BASE_URL, FOOTNOTE_LLM_MODEL; env FOOTNOTE_GENERATOR)',
    ).choices(['extractive', 'llm']),
  );
}
