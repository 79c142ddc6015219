import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FootnoteError } from '../errors.js';
import { FORMAT_BY_EXTENSION, looksBinary, type SourceFormat } from './extract-text.js';

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

export interface ReadCorpusOptions {
  /**
   * Files larger than this are skipped with a warning.
   * @default 20 * 1024 * 1024
   */
  maxFileBytes: number;
  /** Called once per skipped file with one line saying which and why. */
  onWarning: (message: string) => void;
}

export const defaultReadCorpusOptions: ReadCorpusOptions = {
  maxFileBytes: 20 * 1024 * 1024,
  onWarning: () => {},
};

/**
 * Lists and reads every supported file under `root`, recursively, in a stable order. Skips,
 * with one warning each and without stopping: unsupported extensions are ignored silently;
 * binary, empty, oversized and unreadable files and symbolic links get a warning. Links are never
 * followed: one that leads outside the corpus would read files nobody meant to index, and one
 * that stays inside would index the same file twice (or loop forever).
 */
export async function readCorpus(root: string, options: Partial<ReadCorpusOptions> = {}): Promise<CorpusFile[]> {
  const settings = { ...defaultReadCorpusOptions, ...options };
  const rootReal = await realDirectory(root);
  const files: CorpusFile[] = [];
  await walk(rootReal, rootReal, files, settings);
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
    throw new FootnoteError('corpus_missing', `corpus directory ${root} does not exist or is not a directory; pass the folder of your documents, e.g. \`footnote ingest ./corpus\``);
  }
}

async function walk(root: string, directory: string, out: CorpusFile[], settings: ReadCorpusOptions): Promise<void> {
  let entries;
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
    const isFile = entry.isFile();
    if (!isFile) continue;
    const format = FORMAT_BY_EXTENSION[path.extname(entry.name).toLowerCase()];
    if (!format) continue;
    const file = await readOne(fullPath, source, format, settings);
    if (file) out.push(file);
  }
}

async function readOne(absolutePath: string, source: string, format: SourceFormat, settings: ReadCorpusOptions): Promise<CorpusFile | undefined> {
  try {
    const stat = await fs.stat(absolutePath);
    if (stat.size > settings.maxFileBytes) {
      settings.onWarning(`skipped ${source}: ${formatBytes(stat.size)} is over the ${formatBytes(settings.maxFileBytes)} limit`);
      return undefined;
    }
    const bytes = await fs.readFile(absolutePath);
    if (bytes.length === 0 || bytes.toString('utf8').trim().length === 0) {
      settings.onWarning(`skipped ${source}: empty file`);
      return undefined;
    }
    if (looksBinary(bytes)) {
      settings.onWarning(`skipped ${source}: binary content`);
      return undefined;
    }
    return { source, absolutePath, format, bytes, hash: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    settings.onWarning(`skipped ${source}: cannot read file (${errorCode(error)})`);
    return undefined;
  }
}

async function describeSymlink(root: string, linkPath: string): Promise<string> {
  try {
    const target = await fs.realpath(linkPath);
    if (target !== root && !target.startsWith(root + path.sep)) return 'symlink points outside the corpus directory';
    if (linkPath.startsWith(target + path.sep)) return 'symlink loop';
    return 'symlink to a file already in the corpus';
  } catch (error) {
    return errorCode(error) === 'ELOOP' ? 'symlink loop' : 'broken symlink';
  }
}

function relative(root: string, fullPath: string): string {
  return path.relative(root, fullPath).split(path.sep).join('/');
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
