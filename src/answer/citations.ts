import { locate } from '../text/index.js';
import type { CitableSource } from '../types.js';
import type { Citation, ScoredSentence } from './types.js';

/** A footnote for a sentence, its quote cut from the source text at the sentence's offsets. */
export function citationFor(
  n: number,
  sentence: Pick<ScoredSentence, 'sourceId' | 'start' | 'end' | 'score' | 'answerSpan'>,
  source: CitableSource,
): Citation {
  const { line, page, section } = locate(source, sentence.start);
  return {
    n,
    sourceId: sentence.sourceId,
    source: source.source,
    title: source.title,
    start: sentence.start,
    end: sentence.end,
    line,
    ...(page === undefined ? {} : { page }),
    ...(section === undefined ? {} : { section }),
    quote: source.text.slice(sentence.start, sentence.end),
    score: Math.round(sentence.score * 1000) / 1000,
    ...(sentence.answerSpan ? { answerSpan: { ...sentence.answerSpan } } : {}),
  };
}

/** True when the citation's quote is exactly the source text at its offsets. */
export function isCitationExact(citation: Citation, sourceText: string): boolean {
  return (
    citation.start >= 0 &&
    citation.end <= sourceText.length &&
    citation.end > citation.start &&
    sourceText.slice(citation.start, citation.end) === citation.quote
  );
}
