/**
 * The built CLI on a folder of PDF, Word and other files: every skipped file named with its
 * reason and counted, and footnotes that give the PDF page and the Word heading path.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIPPED_FILES, writeSampleFolder } from '../support/sample-documents.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/footnote.js');

describe('footnote CLI with PDF and Word files', () => {
  let temporary: string;
  let environment: NodeJS.ProcessEnv;

  beforeAll(async () => {
    temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-cli-documents-'));
    await writeSampleFolder(path.join(temporary, 'corpus'));
    environment = {
      ...process.env,
      FOOTNOTE_INDEX_DIR: path.join(temporary, 'index'),
      FOOTNOTE_CORPUS_DIR: path.join(temporary, 'corpus'),
      FOOTNOTE_EMBEDDER: 'glove',
    };
  });
  afterAll(() => rm(temporary, { recursive: true, force: true }));

  it('names every skipped file with its reason and counts them in the summary', async () => {
    const { stderr } = await run('node', [BIN, 'ingest', path.join(temporary, 'corpus')], {
      env: environment,
      timeout: 120_000,
    });
    for (const [file, reason] of Object.entries(SKIPPED_FILES))
      expect(stderr).toContain(`warning: skipped ${file}: ${reason}`);
    expect(stderr).toMatch(/0 unchanged, 5 added, 0 changed, 0 removed, 9 skipped/);
  });

  it('gives the page of a PDF and the heading path of a Word file in the footnotes', async () => {
    const rent = await run('node', [BIN, 'ask', 'What is the monthly rent?'], {
      env: environment,
      timeout: 120_000,
    });
    expect(rent.stdout).toMatch(/^\[1\] lease\.pdf, p\. 2 \(chars \d+-\d+\)$/m);
    const holiday = await run(
      'node',
      [BIN, 'ask', 'How much paid holiday per year do part-time employees get?'],
      {
        env: environment,
        timeout: 120_000,
      },
    );
    expect(holiday.stdout).toMatch(/^\[1\] handbook\.docx, §Leave › Paid holiday \(chars \d+-\d+\)$/m);
  });
});
