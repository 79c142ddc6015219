import { expect } from 'vitest';
import type { Citation } from '../../src/answer/index.js';
import type { SourceDocument } from '../../src/types.js';

/**
 * Every citation's quote is exactly the slice of its source's text at its offsets, its source
 * name is the source's, and its line is the line its quote starts on.
 */
export async function expectExactCitations(
  index: {
    source: (
      sourceId: string,
    ) =>
      | Pick<SourceDocument, 'source' | 'text'>
      | undefined
      | Promise<Pick<SourceDocument, 'source' | 'text'> | undefined>;
  },
  citations: Array<Pick<Citation, 'sourceId' | 'source' | 'start' | 'end' | 'quote' | 'line'>>,
): Promise<void> {
  for (const citation of citations) {
    const source = await index.source(citation.sourceId);
    expect(source, `source ${citation.sourceId}`).toBeDefined();
    expect(source!.source).toBe(citation.source);
    expect(source!.text.slice(citation.start, citation.end)).toBe(citation.quote);
    expect(citation.line).toBe(source!.text.slice(0, citation.start).split('\n').length);
  }
}
