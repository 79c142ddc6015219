import type { Stats } from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Limits on one corpus file. */
export interface ReadCorpusFileOptions {
  /**
   * Files larger than this are refused (checked on the opened handle, and again while reading,
   * so a file that grows after the check is refused too).
   * @default 20 * 1024 * 1024
   */
  maxBytes: number;
  /**
   * How long opening and reading one file may take before it is given up (a file on a hung network
   * or FUSE mount). @default 10_000
   */
  timeoutMs: number;
}

/** The defaults of `ReadCorpusFileOptions`. */
export const defaultReadCorpusFileOptions: ReadCorpusFileOptions = {
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 10_000,
};

/** The bytes of a corpus file, or why it was refused (one line, without the file's name). */
export type CorpusFileRead = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** Bytes read per call: small enough that the size limit and the time limit are checked often. */
const READ_STEP = 1024 * 1024;

/**
 * The one way Footnote obtains the bytes of a corpus file. Opens the path once, without following
 * a symbolic link in its last component and without blocking (`O_NOFOLLOW | O_NONBLOCK`, so a
 * FIFO never ties up a thread-pool thread), then judges the opened handle itself rather than the
 * path: it must be a regular file within `maxBytes`, and its resolved location must still be
 * inside `corpusRoot` (a directory swapped for a link to elsewhere is caught here). The bytes are
 * read from that same handle under a time limit. What was checked is what is read, whatever
 * happens to the path after the file was listed.
 *
 * @param corpusRoot The corpus root as a real path (`fs.realpath`).
 * @param absolutePath The file to read, under `corpusRoot`.
 * @example
 * const read = await readCorpusFile(root, path.join(root, 'notes.txt'));
 * if (read.ok) extract(read.bytes); else warn(`skipped notes.txt: ${read.reason}`);
 */
export async function readCorpusFile(
  corpusRoot: string,
  absolutePath: string,
  options: Partial<ReadCorpusFileOptions> = {},
): Promise<CorpusFileRead> {
  const settings = { ...defaultReadCorpusFileOptions, ...options };
  const deadline = Date.now() + settings.timeoutMs;
  const refuse = (reason: string): CorpusFileRead => ({ ok: false, reason });
  let handle: FileHandle;
  try {
    handle = await fs.open(absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error);
    // Linux says ELOOP for a link refused by O_NOFOLLOW, the BSDs EMLINK; ENXIO is a socket.
    if (code === 'ELOOP' || code === 'EMLINK') return refuse('it is a symbolic link');
    if (code === 'ENXIO') return refuse('not a regular file (socket)');
    return refuse(`cannot read file (${code})`);
  }
  let hung = false;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return refuse(`not a regular file (${fileKind(stat)})`);
    if (stat.size > settings.maxBytes) return refuse(overLimit(stat.size, settings.maxBytes));
    if (!(await isInside(corpusRoot, handle, absolutePath, stat)))
      return refuse('it resolves outside the corpus directory');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        hung = true;
        return refuse(`reading took longer than ${formatSeconds(settings.timeoutMs)}`);
      }
      const step = Buffer.allocUnsafe(Math.min(READ_STEP, settings.maxBytes + 1 - total));
      const bytesRead = await withinTime(handle.read(step, 0, step.length, null), remaining);
      if (bytesRead === undefined) {
        hung = true;
        return refuse(`reading took longer than ${formatSeconds(settings.timeoutMs)}`);
      }
      if (bytesRead === 0) break;
      chunks.push(step.subarray(0, bytesRead));
      total += bytesRead;
      if (total > settings.maxBytes)
        return refuse(`it grew over the ${formatBytes(settings.maxBytes)} limit while being read`);
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    return refuse(`cannot read file (${errorCode(error)})`);
  } finally {
    // A FileHandle closes only once its pending reads end: never wait for a read that hung.
    const closing = handle.close().catch(() => {});
    if (!hung) await closing;
  }
}

/** True when the opened file's real location is under the corpus root. */
async function isInside(
  root: string,
  handle: FileHandle,
  absolutePath: string,
  stat: Stats,
): Promise<boolean> {
  let real: string;
  try {
    // Linux names the file a descriptor refers to: no second look-up of the path, so no race.
    real = await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    // Elsewhere: resolve the path and make sure it still names the file that was opened.
    try {
      real = await fs.realpath(absolutePath);
      const again = await fs.stat(real);
      if (again.dev !== stat.dev || again.ino !== stat.ino) return false;
    } catch {
      return false;
    }
  }
  return real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function withinTime<T extends { bytesRead: number }>(
  read: Promise<T>,
  timeoutMs: number,
): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  read.catch(() => {});
  try {
    const result = await Promise.race([read, expired]);
    return result?.bytesRead;
  } finally {
    clearTimeout(timer);
  }
}

function fileKind(stat: Stats): string {
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  if (stat.isSocket()) return 'socket';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSymbolicLink()) return 'symbolic link';
  return 'unknown kind';
}

function overLimit(size: number, limit: number): string {
  return `${formatBytes(size)} is over the ${formatBytes(limit)} limit`;
}

function formatSeconds(milliseconds: number): string {
  return `${milliseconds / 1000} s`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}

/** Bytes as KB or MB, for messages. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
