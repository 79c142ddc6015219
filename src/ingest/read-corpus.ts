import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FootnoteError } from '../errors.js';
import { oneLine } from '../text/index.js';
import { BINARY_FORMATS, FORMAT_BY_EXTENSION, looksBinary, type SourceFormat } from './extract-text.js';
import { readCorpusFile } from './read-corpus-file.js';

/** A corpus file that passed the checks and was read. */
export interface CorpusFile {
  /** Path relative to the corpus root, forward slashes. */
  source: string;
  absolutePath: string;
  format: SourceFormat;
  bytes: Buffer;
  /** SHA-256 of the bytes, hex. */
  hash: string;
}

/** Limits on the corpus folder and its files. */
export interface ReadCorpusOptions {
  /**
   * Files larger than this are skipped with a warning.
   * @default 20 * 1024 * 1024
   */
  maxFileBytes: number;
  /**
   * How long reading one file may take before it is skipped with a warning.
   * @default 10_000
   */
  readTimeoutMs: number;
  /** Called once per skipped file with one line saying which and why. */
  onWarning: (message: string) => void;
  /**
   * Called (and awaited) once the walk has listed the files, before any is opened: the size of
   * the work ahead, for a progress display. @default does nothing
   */
  onListed: (files: ReadonlyArray<{ source: string; absolutePath: string }>) => void | Promise<void>;
}

/** The defaults of `ReadCorpusOptions`. */
export const defaultReadCorpusOptions: ReadCorpusOptions = {
  maxFileBytes: 20 * 1024 * 1024,
  readTimeoutMs: 10_000,
  onWarning: () => {},
  onListed: () => {},
};

/**
 * Lists and reads every supported file under `root`, recursively, in a stable order. Skips,
 * with one warning each (`skipped <file>: <reason>`) and without stopping: unsupported formats,
 * binary text files, empty, oversized and unreadable files, and symbolic links. Only dot files
 * and dot folders (`.git`, `.DS_Store`) are passed over without a word. Links are never
 * followed: one that leads outside the corpus would read files nobody meant to index, and one
 * that stays inside would index the same file twice (or loop forever). Every file is read with
 * `readCorpusFile`, which judges the opened handle, so a file swapped for a link, a FIFO or a
 * device after it was listed is skipped with a warning too.
 */
export async function readCorpus(
  root: string,
  options: Partial<ReadCorpusOptions> = {},
): Promise<CorpusFile[]> {
  const given = { ...defaultReadCorpusOptions, ...options };
  // File names may hold newlines: a warning is always one line, whatever the name.
  const settings = { ...given, onWarning: (message: string) => given.onWarning(oneLine(message)) };
  const rootReal = await realDirectory(root);
  const pending: PendingFile[] = [];
  await walk(rootReal, rootReal, pending, settings);
  await settings.onListed(pending.map(({ source, absolutePath }) => ({ source, absolutePath })));
  const files: CorpusFile[] = [];
  // Files are read a batch at a time: one at a time, 2,000 small files spent seconds waiting on I/O.
  for (let start = 0; start < pending.length; start += READ_CONCURRENCY) {
    const results = await Promise.all(
      pending.slice(start, start + READ_CONCURRENCY).map((entry) => readOne(rootReal, entry, settings)),
    );
    for (const result of results) {
      if ('warning' in result) settings.onWarning(result.warning);
      else files.push(result.file);
    }
  }
  files.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return files;
}

async function realDirectory(root: string): Promise<string> {
  try {
    const real = await fs.realpath(root);
    const stat = await fs.stat(real);
    if (!stat.isDirectory()) throw new Error('not a directory');
    return real;
  } catch {
    throw new FootnoteError(
      'corpus_missing',
      `corpus directory ${root} does not exist or is not a directory; pass the folder of your documents, e.g. \`footnote ingest ./corpus\``,
    );
  }
}

/** Files read at once. */
const READ_CONCURRENCY = 32;

/** A supported file found by the walk, not read yet. */
interface PendingFile {
  absolutePath: string;
  source: string;
  format: SourceFormat;
}

async function walk(
  root: string,
  directory: string,
  out: PendingFile[],
  settings: ReadCorpusOptions,
): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    settings.onWarning(`skipped ${relative(root, directory)}/: cannot read directory (${errorCode(error)})`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const fullPath = path.join(directory, entry.name);
    const source = relative(root, fullPath);
    if (entry.isSymbolicLink()) {
      settings.onWarning(`skipped ${source}: ${await describeSymlink(root, fullPath)}`);
      continue;
    }
    if (entry.isDirectory()) {
      await walk(root, fullPath, out, settings);
      continue;
    }
    const extension = path.extname(entry.name).toLowerCase();
    const format = FORMAT_BY_EXTENSION[extension];
    if (!format) {
      settings.onWarning(`skipped ${source}: unsupported format ${extension || '(no extension)'}`);
      continue;
    }
    if (!entry.isFile()) {
      settings.onWarning(`skipped ${source}: not a regular file (${direntKind(entry)})`);
      continue;
    }
    out.push({ absolutePath: fullPath, source, format });
  }
}

async function readOne(
  root: string,
  { absolutePath, source, format }: PendingFile,
  settings: ReadCorpusOptions,
): Promise<{ file: CorpusFile } | { warning: string }> {
  const read = await readCorpusFile(root, absolutePath, {
    maxBytes: settings.maxFileBytes,
    timeoutMs: settings.readTimeoutMs,
  });
  if (!read.ok) return { warning: `skipped ${source}: ${read.reason}` };
  const { bytes } = read;
  if (bytes.length === 0 || bytes.toString('utf8').trim().length === 0)
    return { warning: `skipped ${source}: empty file` };
  if (!BINARY_FORMATS.has(format) && looksBinary(bytes))
    return { warning: `skipped ${source}: binary content` };
  return {
    file: { source, absolutePath, format, bytes, hash: createHash('sha256').update(bytes).digest('hex') },
  };
}

async function describeSymlink(root: string, linkPath: string): Promise<string> {
  try {
    const target = await fs.realpath(linkPath);
    if (target !== root && !target.startsWith(root + path.sep))
      return 'symlink points outside the corpus directory';
    if (linkPath.startsWith(target + path.sep)) return 'symlink loop';
    return 'symlink to a file already in the corpus';
  } catch (error) {
    return errorCode(error) === 'ELOOP' ? 'symlink loop' : 'broken symlink';
  }
}

function direntKind(entry: import('node:fs').Dirent): string {
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character device';
  if (entry.isBlockDevice()) return 'block device';
  return 'unknown kind';
}

function relative(root: string, fullPath: string): string {
  return path.relative(root, fullPath).split(path.sep).join('/');
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}
