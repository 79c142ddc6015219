import type { Document } from '@langchain/core/documents';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { type FootnoteDocumentMetadata, FootnoteRetriever } from '../../src/langchain/index.js';
import { createApp, startServer } from '../../src/server/index.js';
import { buildTestIndex } from '../support/test-index.js';

const KEY = 'retriever-test-key-0123456789abcdef';
const QUESTION = 'Which Hamas leader was killed by the Israeli military?';

let index: Awaited<ReturnType<typeof buildTestIndex>>;
let engine: Engine;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  index = await buildTestIndex();
  engine = await index.open();
  const app = createApp({ holder: { engine }, log: () => {}, access: { apiKey: KEY, rateLimit: 0 } });
  server = await startServer(app, { port: 0, log: () => {} });
});
afterAll(async () => {
  await server.close();
  await index.remove();
});

describe('FootnoteRetriever (LangChain) against a real Footnote server', () => {
  it('returns the ranked passages as Documents whose metadata locates them exactly', async () => {
    const retriever = new FootnoteRetriever({ baseUrl: server.url, apiKey: KEY, k: 3 });
    const documents = await retriever.invoke(QUESTION);
    expect(documents).toHaveLength(3);
    expect(documents[0]!.pageContent).toContain('Ahmed Jabari');
    for (const document of documents) {
      const { metadata } = document;
      const source = (await engine.source(metadata.sourceId))!;
      expect(source.source).toBe(metadata.source);
      expect(source.text.slice(metadata.start, metadata.end)).toBe(document.pageContent);
      expect(source.text.slice(0, metadata.start).split('\n').length).toBe(metadata.lineStart);
      expect(metadata.grounded).toBe(true);
    }
    const scores = documents.map((document) => document.metadata.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    // The metadata's URL is the server's own view of the passage.
    const response = await fetch(documents[0]!.metadata.url, { headers: { authorization: `Bearer ${KEY}` } });
    const body = (await response.json()) as { span: { text: string } };
    expect(body.span.text).toBe(documents[0]!.pageContent);
  });

  it('plugs into a LangChain chain as a runnable', async () => {
    const retriever = new FootnoteRetriever({ baseUrl: `${server.url}/`, apiKey: KEY, k: 2 });
    const cite = RunnableLambda.from((documents: Document<FootnoteDocumentMetadata>[]) =>
      documents.map((document) => `${document.metadata.source}:${document.metadata.lineStart}`).join('\n'),
    );
    const context = await retriever.pipe(cite).invoke(QUESTION);
    expect(context.split('\n')).toHaveLength(2);
    expect(context).toMatch(/^\S+\.txt:\d+$/m);
  });

  it('throws the server error, with its code, when the key is missing', async () => {
    const retriever = new FootnoteRetriever({ baseUrl: server.url });
    await expect(retriever.invoke(QUESTION)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/answered 401/),
    });
  });
});
