import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('footnote bench', () => {
  it('exits 1 with one line naming the missing dataset and the flag that fixes it', async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin', 'footnote.js'), 'bench', '--datasets', path.join(ROOT, 'no-such-datasets')],
        { cwd: ROOT },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^footnote: benchmark dataset .*no-such-datasets\/bbc\/articles not found; pass .* with --datasets$/,
      ),
    ]);
  });
});
