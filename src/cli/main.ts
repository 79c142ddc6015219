import { Command, CommanderError } from 'commander';
import { FootnoteError } from '../errors.js';
import { type EnvironmentConfig, readEnvironment } from './config.js';

/** Exit codes: 0 ok, 1 user error (one clear line), 2 internal error (with the stack). */
export const EXIT_OK = 0;
/** Exit code of a user error (bad flag, missing file): one line and usage were printed. */
export const EXIT_USER_ERROR = 1;
/** Exit code of a bug: the stack was printed. */
export const EXIT_INTERNAL_ERROR = 2;

type CommandFactory = (config: () => EnvironmentConfig) => Command;

/**
 * The commands in the order `--help` lists them, each loaded on demand: `serve` then never loads
 * the evaluation and benchmark stages (and their parsers), which kept them on the start-up path.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  ingest: async () => (await import('./ingest-command.js')).ingestCommand,
  ask: async () => (await import('./ask-command.js')).askCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  eval: async () => (await import('./eval-command.js')).evalCommand,
  bench: async () => (await import('./bench-command.js')).benchCommand,
};

/**
 * The `footnote` command line, reading the environment when a command runs. With `only`, the
 * program holds just that command (what `main` runs when the first argument names one); without,
 * all of them (for `--help`, `--version` and unknown commands).
 */
export async function buildProgram(only?: string): Promise<Command> {
  let cached: EnvironmentConfig | undefined;
  const config = () => (cached ??= readEnvironment());
  const program = new Command('footnote')
    .description('Answers questions from a folder of documents, with a footnote for every claim')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  const factories = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const factory of factories) {
    program.addCommand(factory(config).exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program;
}

/** Runs the CLI; resolves to the exit code (long-running `serve` resolves once it is listening). */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    const program = await buildProgram(argv[2]);
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USER_ERROR;
    }
    if (error instanceof FootnoteError && error.isUserError) {
      process.stderr.write(`footnote: ${error.message}\n`);
      return EXIT_USER_ERROR;
    }
    process.stderr.write(
      `footnote: internal error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_INTERNAL_ERROR;
  }
}
