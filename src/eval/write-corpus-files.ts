import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `{ source, text }` documents as files under `directory`, skipping those already there.
 * Each file is written under a temporary name and renamed, so an interrupted run never leaves a
 * truncated document behind. Dataset adapters (SQuAD, AG News) use it to materialise a corpus.
 */
export async function writeCorpusFiles(
  directory: string,
  documents: Array<{ source: string; text: string }>,
): Promise<void> {
  for (const document of documents) {
    const file = path.join(directory, document.source);
    if (existsSync(file)) continue;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, document.text);
    await rename(`${file}.tmp`, file);
  }
}
