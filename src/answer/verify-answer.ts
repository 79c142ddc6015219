import { analyze } from '../text/index.js';
import type { CitableSource, Passage } from '../types.js';
import { citationFor } from './citations.js';
import type { Citation } from './types.js';

/** How strictly an LLM answer's sentences must be supported by the passages they cite. */
export interface VerifyOptions {
  /**
   * Share of a sentence's content terms that must occur in the passages it cites for the
   * sentence to count as supported.
   * @default 0.5
   */
  minSupport: number;
}

/** The defaults of `VerifyOptions`. */
export const defaultVerifyOptions: VerifyOptions = { minSupport: 0.5 };

/** One sentence of a generated answer after checking. */
export interface CheckedSentence {
  /** The sentence as shown to the user: markers renumbered, markers to no passage removed. */
  text: string;
  /** The sentence without its markers, trimmed. */
  claim: string;
  /** 0-based indexes of the passages it cites (valid markers only). */
  passages: number[];
  /** Share of its content terms found in the cited passages; undefined when it has none. */
  support: number | undefined;
  /**
   * `supported`: cites a passage holding enough of its terms; `unsupported`: cites nothing
   * valid or its terms are not in what it cites; `neutral`: no content terms ("Yes.").
   */
  verdict: 'supported' | 'unsupported' | 'neutral';
  /** The sentence says the passages do not answer the question. */
  saysNotFound: boolean;
}

const MARKER = /(\s*)\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]/g;
const NOT_FOUND =
  /\b(?:couldn['’]?t|could not|cannot|can['’]?t|unable to|did not|didn['’]?t)\s+find\b|\bnot (?:mentioned|stated|found|covered) in the passages\b|\bpassages do not (?:answer|say|mention|contain)\b/i;
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'gen',
  'col',
  'lt',
  'sgt',
  'capt',
  'gov',
  'sen',
  'rep',
  'prof',
  'jr',
  'sr',
  'no',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'u.s',
  'u.n',
  'u.k',
]);
/** End of a sentence: terminal punctuation, closing quotes, trailing markers, then space before a capital. */
const SENTENCE_END =
  /[.!?]["'”’)]*(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])*[ \t]*(?:\n\s*|[ \t]+(?=["'“‘(]?[\p{Lu}\d]))|\n\s*(?=\S)/gu;

/**
 * Cuts streamed text into sentences as soon as each one is complete, so an answer can be
 * checked sentence by sentence while it streams. Segments keep their trailing whitespace:
 * joined, they give back the text exactly.
 */
export class SentenceSplitter {
  private buffer = '';

  /** Adds streamed text; returns the sentences it completed. */
  push(text: string): string[] {
    this.buffer += text;
    return this.drain();
  }

  /** The stream ended: returns what is left as the last sentence (if anything). */
  end(): string[] {
    const rest = this.buffer;
    this.buffer = '';
    return rest.trim().length > 0 ? [rest] : [];
  }

  private drain(): string[] {
    const sentences: string[] = [];
    let from = 0;
    SENTENCE_END.lastIndex = 0;
    for (let match = SENTENCE_END.exec(this.buffer); match; match = SENTENCE_END.exec(this.buffer)) {
      const end = match.index + match[0].length;
      // "Mr. Haniyeh", "U.S. officials", "J. Smith" do not end a sentence.
      const word = /([\p{L}.]+)$/u.exec(this.buffer.slice(from, match.index))?.[1]?.toLowerCase() ?? '';
      if (match[0].startsWith('.') && (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word))) continue;
      // Only cut when something follows, since the next token may still extend this sentence.
      if (end >= this.buffer.length) break;
      sentences.push(this.buffer.slice(from, end));
      from = end;
    }
    this.buffer = this.buffer.slice(from);
    return sentences;
  }
}

/**
 * Checks a generated answer against the passages it was written from, one sentence at a time,
 * with no second model: markers pointing to no passage are dropped, the rest are renumbered
 * 1, 2, 3… in order of first use, and each sentence gets a support score — the share of its
 * content terms (the same `analyze` as the index: lowercased, stop words removed, stemmed)
 * that occur in the passages it cites.
 */
export class AnswerVerifier {
  readonly sentences: CheckedSentence[] = [];
  private readonly options: VerifyOptions;
  /** Passage index → footnote number, in order of first use. */
  private readonly numbers = new Map<number, number>();
  private readonly passageTerms = new Map<number, Set<string>>();

  constructor(
    private readonly passages: Passage[],
    options: Partial<VerifyOptions> = {},
  ) {
    this.options = { ...defaultVerifyOptions, ...options };
  }

  /** Checks the next sentence of the answer (in order) and records it. */
  check(segment: string): CheckedSentence {
    const cited: number[] = [];
    const text = segment.replace(MARKER, (_marker, space: string, list: string) => {
      const valid = [...new Set(list.split(/\s*[,;]\s*/).map(Number))].filter(
        (number) => Number.isInteger(number) && number >= 1 && number <= this.passages.length,
      );
      if (valid.length === 0) return '';
      const footnotes = valid.map((number) => {
        const index = number - 1;
        if (!cited.includes(index)) cited.push(index);
        let n = this.numbers.get(index);
        if (n === undefined) {
          n = this.numbers.size + 1;
          this.numbers.set(index, n);
        }
        return `[${n}]`;
      });
      return `${space.includes('\n') ? space : ' '}${footnotes.join('')}`;
    });
    const claim = text.replace(MARKER, '').trim();
    const terms = new Set(analyze(claim));
    let support: number | undefined;
    let verdict: CheckedSentence['verdict'] = 'neutral';
    if (terms.size > 0) {
      const available = new Set<string>();
      for (const index of cited) for (const term of this.termsOf(index)) available.add(term);
      support = share(terms, available);
      verdict = cited.length > 0 && support >= this.options.minSupport ? 'supported' : 'unsupported';
    }
    const checked: CheckedSentence = {
      text,
      claim,
      passages: cited,
      support,
      verdict,
      saysNotFound: cited.length === 0 && NOT_FOUND.test(claim),
    };
    this.sentences.push(checked);
    return checked;
  }

  /** Sentences judged unsupported, as shown in the answer. */
  get unsupported(): string[] {
    return this.sentences
      .filter((sentence) => sentence.verdict === 'unsupported')
      .map((sentence) => sentence.text.trim());
  }

  /**
   * One citation per footnote number: the sentence of the cited passage that best supports the
   * answer sentences citing it, cut from the source text (`quote === text.slice(start, end)`).
   */
  citations(sourceOf: (sourceId: string) => CitableSource): Citation[] {
    const citations: Citation[] = [];
    for (const [index, n] of this.numbers) {
      const passage = this.passages[index]!;
      const source = sourceOf(passage.sourceId);
      const claims = this.sentences
        .filter((sentence) => sentence.passages.includes(index))
        .map((sentence) => new Set(analyze(sentence.claim)));
      const spans: Array<[number, number]> =
        passage.sentences.length > 0 ? passage.sentences : [[passage.start, passage.end]];
      let best = { start: spans[0]![0], end: spans[0]![1], score: -1 };
      for (const [start, end] of spans) {
        const terms = new Set(analyze(source.text.slice(start, end)));
        const score = Math.max(0, ...claims.map((claim) => (claim.size === 0 ? 0 : share(claim, terms))));
        if (score > best.score) best = { start, end, score };
      }
      citations.push(citationFor(n, { sourceId: passage.sourceId, ...best }, source));
    }
    return citations.sort((a, b) => a.n - b.n);
  }

  private termsOf(index: number): Set<string> {
    let terms = this.passageTerms.get(index);
    if (!terms) {
      terms = new Set(analyze(this.passages[index]!.text));
      this.passageTerms.set(index, terms);
    }
    return terms;
  }
}

function share(terms: Set<string>, available: Set<string>): number {
  let found = 0;
  for (const term of terms) if (available.has(term)) found++;
  return terms.size === 0 ? 0 : found / terms.size;
}
