import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Every file under a folder, recursively; none when the folder does not exist. */
export async function filesUnder(directory: string): Promise<string[]> {
  if (!existsSync(directory)) return [];
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Total size in bytes of the files under a folder. */
export async function directoryBytes(directory: string): Promise<number> {
  let total = 0;
  for (const file of await filesUnder(directory)) total += (await stat(file)).size;
  return total;
}
