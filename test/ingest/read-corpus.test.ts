import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/ingest/index.js';

describe('readCorpus', () => {
  let root: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'footnote-read-'));
    await fs.mkdir(path.join(root, 'nested', 'deeper'), { recursive: true });
    await fs.writeFile(path.join(root, 'a.txt'), 'Plain text article.');
    await fs.writeFile(path.join(root, 'nested', 'b.md'), '# Title\n\nMarkdown body.');
    await fs.writeFile(path.join(root, 'nested', 'deeper', 'c.html'), '<title>T</title><p>HTML body.</p>');
    await fs.writeFile(path.join(root, 'empty.txt'), '');
    await fs.writeFile(path.join(root, 'blank.txt'), '  \n\n ');
    await fs.writeFile(
      path.join(root, 'binary.txt'),
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10]),
    );
    await fs.writeFile(path.join(root, 'big.txt'), 'x'.repeat(3000));
    await fs.writeFile(path.join(root, 'latin1.txt'), Buffer.from('Price: \xa3100 today.', 'latin1'));
    await fs.writeFile(path.join(root, 'image.png'), 'not read');
    await fs.writeFile(path.join(root, 'locked.txt'), 'secret');
    await fs.chmod(path.join(root, 'locked.txt'), 0o000);
    await fs.symlink(root, path.join(root, 'nested', 'loop'));
    await fs.symlink('/etc/hostname', path.join(root, 'outside.txt'));
    await fs.symlink(path.join(root, 'missing.txt'), path.join(root, 'broken.txt'));
  });

  afterAll(async () => {
    await fs.chmod(path.join(root, 'locked.txt'), 0o644).catch(() => {});
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reads supported files recursively and skips the rest with one warning each', async () => {
    const files = await readCorpus(root, {
      maxFileBytes: 2000,
      onWarning: (message) => warnings.push(message),
    });
    const sources = files.map((file) => file.source);
    expect(sources).toContain('a.txt');
    expect(sources).toContain('nested/b.md');
    expect(sources).toContain('nested/deeper/c.html');
    expect(sources).toContain('latin1.txt');
    expect(sources).not.toContain('image.png');
    expect(warnings).toContain('skipped image.png: unsupported format .png');
    for (const skipped of [
      'image.png',
      'empty.txt',
      'blank.txt',
      'binary.txt',
      'big.txt',
      'outside.txt',
      'broken.txt',
    ]) {
      expect(sources).not.toContain(skipped);
      expect(warnings.filter((warning) => warning.startsWith(`skipped ${skipped}:`))).toHaveLength(1);
    }
    expect(warnings.find((warning) => warning.startsWith('skipped binary.txt'))).toContain('binary');
    expect(warnings.find((warning) => warning.startsWith('skipped big.txt'))).toContain('limit');
    expect(warnings.find((warning) => warning.startsWith('skipped outside.txt'))).toContain(
      'outside the corpus',
    );
    expect(warnings.find((warning) => warning.startsWith('skipped nested/loop'))).toContain('symlink loop');
    if (process.getuid?.() !== 0)
      expect(warnings.some((warning) => warning.startsWith('skipped locked.txt: cannot read'))).toBe(true);
    const html = files.find((file) => file.format === 'html');
    expect(html?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a corpus folder that does not exist with a fix in the message', async () => {
    await expect(readCorpus(path.join(root, 'nope'))).rejects.toThrow(/does not exist.*footnote ingest/);
  });
});
