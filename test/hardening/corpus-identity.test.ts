import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusIndexDirectory } from '../../src/cli/runtime.js';
import { buildTestIndex, temporaryDirectory } from '../support/test-index.js';
import { ANSWERED, CORPUS, footnote, killChildren, startServe, waitFor } from './helpers.js';

/**
 * One index per corpus, and a server never switches corpora: `footnote ingest ~/docs` next to a
 * server of corpus/ used to overwrite the shared default index and the server answered from
 * ~/docs without a word; now each corpus has its own index, and a generation built from another
 * corpus is refused by a running server (logged, degraded, still serving its own).
 */

afterEach(killChildren);

async function otherCorpus(): Promise<string> {
  const corpus = await temporaryDirectory('footnote-docs-');
  await fs.writeFile(
    path.join(corpus, 'zorblax.txt'),
    'Zorblax lantern festival\n\nThe Zorblax lantern festival was founded by Marguerite Okonjo in 1987.\n',
  );
  return corpus;
}

describe('one index per corpus', () => {
  it('the index folder is derived from the corpus real path', async () => {
    const docs = await otherCorpus();
    const link = path.join(await temporaryDirectory('footnote-link-'), 'docs');
    await fs.symlink(docs, link);
    expect(corpusIndexDirectory('.footnote', link)).toBe(corpusIndexDirectory('.footnote', docs));
    expect(corpusIndexDirectory('.footnote', CORPUS)).not.toBe(corpusIndexDirectory('.footnote', docs));
    expect(path.basename(corpusIndexDirectory('.footnote', CORPUS))).toMatch(/^corpus-[0-9a-f]{12}$/);
  });

  it('ingesting another corpus does not touch a running server of the default one, and the output names each index', async () => {
    const state = await temporaryDirectory('footnote-state-');
    const docs = await otherCorpus();
    const environment = { FOOTNOTE_INDEX_DIR: state, FOOTNOTE_CORPUS_DIR: CORPUS };
    const server = await startServe([], environment);
    expect(server.stderr()).toContain(`index ${corpusIndexDirectory(state, CORPUS)}`);
    const ingest = await footnote(['ingest', docs], () => {}, environment).exit;
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stderr).toContain(`; index ${corpusIndexDirectory(state, docs)}`);
    // The server's own index did not change: it still has the 5 articles and answers from them.
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      status: string;
      corpus: { sources: number };
    };
    expect(health).toMatchObject({ status: 'ok', corpus: { sources: 5 } });
    expect(server.stderr()).not.toMatch(/reloaded|refused/);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 90_000);
});

describe('a server never swaps to a generation of another corpus', () => {
  it('refuses it with corpus_mismatch, logs it, shows it in /api/health, and keeps answering from its own', async () => {
    const { indexDirectory } = await buildTestIndex(CORPUS);
    const server = await startServe(['--no-ingest', '--index-dir', indexDirectory]);
    const docs = await otherCorpus();
    // Someone ingests another corpus into the same index folder, on purpose or by mistake.
    const ingest = await footnote(['ingest', docs, '--index-dir', indexDirectory]).exit;
    expect(ingest.code, ingest.stderr).toBe(0);
    await waitFor(() => server.stderr().includes('refused index generation'), 10_000);
    expect(server.stderr()).toMatch(
      /was built from the corpus .*footnote-docs-.*, but this server answers from .*corpus/,
    );
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      status: string;
      reason: { code: string };
      corpus: { sources: number };
    };
    expect(health).toMatchObject({
      status: 'degraded',
      reason: { code: 'corpus_mismatch' },
      corpus: { sources: 5 },
    });
    const answer = await fetch(`${server.url}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: ANSWERED.question }),
    });
    expect(((await answer.json()) as { answer: string }).answer).toContain(ANSWERED.answerContains);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 90_000);
});
