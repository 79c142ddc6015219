import { Command, CommanderError } from 'commander';
import { FootnoteError } from '../errors.js';
import { askCommand } from './ask-command.js';
import { benchCommand } from './bench-command.js';
import { type EnvironmentConfig, readEnvironment } from './config.js';
import { evalCommand } from './eval-command.js';
import { ingestCommand } from './ingest-command.js';
import { serveCommand } from './serve-command.js';

/** Exit codes: 0 ok, 1 user error (one clear line), 2 internal error (with the stack). */
export const EXIT_OK = 0;
/** Exit code of a user error (bad flag, missing file): one line and usage were printed. */
export const EXIT_USER_ERROR = 1;
/** Exit code of a bug: the stack was printed. */
export const EXIT_INTERNAL_ERROR = 2;

/** The `footnote` command line with all its commands, reading the environment when a command runs. */
export function buildProgram(): Command {
  let cached: EnvironmentConfig | undefined;
  const config = () => (cached ??= readEnvironment());
  const program = new Command('footnote')
    .description('Answers questions from a folder of documents, with a footnote for every claim')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [
    ingestCommand(config),
    askCommand(config),
    serveCommand(config),
    evalCommand(config),
    benchCommand(config),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program;
}

/** Runs the CLI; resolves to the exit code (long-running `serve` resolves once it is listening). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
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
