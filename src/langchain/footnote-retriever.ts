/**
 * Footnote as a LangChain retriever, so a LangChain chain can take its context from a running
 * Footnote server and keep every passage's exact place in its source file.
 */
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { Answer } from '../answer/types.js';
import type { RetrieverMode } from '../retrieve/index.js';
import type { Passage } from '../types.js';

/**
 * Where a passage comes from, enough to cite it or fetch the file around it: the passage's
 * source, exact character span (`text.slice(start, end) === pageContent`), lines and retrieval
 * score, plus the URL of the passage and whether Footnote judged the corpus to answer the
 * question (false: the closest passages only).
 */
export type FootnoteDocumentMetadata = Pick<
  Passage,
  'sourceId' | 'source' | 'title' | 'start' | 'end' | 'lineStart' | 'lineEnd' | 'score'
> & { url: string; grounded: boolean };

/** Options of `FootnoteRetriever`. */
export interface FootnoteRetrieverOptions extends BaseRetrieverInput {
  /** Root URL of a running `footnote serve`, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the server requires a key. @default none */
  apiKey?: string;
  /** Passages to return. @default the server's (5) */
  k?: number;
  /** Retriever mode. @default the server's (`hybrid`) */
  mode?: RetrieverMode;
  /** The fetch function to call the server with. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A LangChain `BaseRetriever` over Footnote's HTTP API: asks `POST /api/ask` and returns the
 * passages it ranked, best first, as `Document`s whose `pageContent` is the passage text and
 * whose metadata says exactly where it is (`FootnoteDocumentMetadata`). An error answer from the
 * server is thrown as an `Error` carrying its `code`.
 *
 * @example
 * const retriever = new FootnoteRetriever({ baseUrl: 'http://127.0.0.1:3000', k: 3 });
 * const documents = await retriever.invoke('Which Hamas leader was killed?');
 * documents[0]?.metadata.source; // 'news/002-gaza.txt'
 */
export class FootnoteRetriever extends BaseRetriever<FootnoteDocumentMetadata> {
  /** LangChain's serialisation namespace for this class. */
  lc_namespace = ['footnote', 'retrievers'];
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly k: number | undefined;
  private readonly mode: RetrieverMode | undefined;
  private readonly fetchFunction: typeof fetch;

  /** Makes a retriever for the Footnote server at `options.baseUrl`. */
  constructor(options: FootnoteRetrieverOptions) {
    super(options);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.k = options.k;
    this.mode = options.mode;
    this.fetchFunction = options.fetch ?? globalThis.fetch;
  }

  /** LangChain's class name for this retriever. */
  static lc_name(): string {
    return 'FootnoteRetriever';
  }

  /** Asks the server and turns its ranked passages into documents (called by `invoke`). */
  async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document<FootnoteDocumentMetadata>[]> {
    const response = await this.fetchFunction(`${this.baseUrl}/api/ask`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      },
      body: JSON.stringify({
        question: query,
        ...(this.k === undefined ? {} : { k: this.k }),
        ...(this.mode === undefined ? {} : { mode: this.mode }),
      }),
    });
    const body = (await response.json().catch(() => undefined)) as
      | (Answer & { error?: undefined })
      | { error?: { code?: string; message?: string } }
      | undefined;
    if (!response.ok || !body || body.error) {
      const error = body?.error;
      throw Object.assign(
        new Error(
          `Footnote at ${this.baseUrl} answered ${response.status}: ${error?.message ?? response.statusText}`,
        ),
        { code: error?.code ?? `http_${response.status}` },
      );
    }
    const answer = body as Answer;
    return answer.passages.map(
      (passage) =>
        new Document<FootnoteDocumentMetadata>({
          pageContent: passage.text,
          metadata: {
            sourceId: passage.sourceId,
            source: passage.source,
            title: passage.title,
            start: passage.start,
            end: passage.end,
            lineStart: passage.lineStart,
            lineEnd: passage.lineEnd,
            score: passage.score,
            url: `${this.baseUrl}/api/sources/${passage.sourceId}?start=${passage.start}&end=${passage.end}`,
            // A "may answer" reply counts as grounded here: it quotes a passage as an answer.
            grounded: answer.grounded !== false,
          },
        }),
    );
  }
}
