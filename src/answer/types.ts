/**
 * Types of the answering stage: what it is given (passages and scored evidence), the generators
 * it drives, and the answer and stream it returns.
 */
import type { ChatTurn, CitableSource, Passage } from '../types.js';

/** One footnote: a verbatim quote with its exact place in the source file. */
export interface Citation {
  n: number;
  sourceId: string;
  source: string;
  title: string;
  /** Character offsets into the source's decoded text: `text.slice(start, end) === quote`. */
  start: number;
  end: number;
  /** 1-based line of `start` (in the original file for HTML). */
  line: number;
  /** PDF: 1-based page of `start`. */
  page?: number;
  /** Word: heading path of `start`, outermost first. */
  section?: string[];
  quote: string;
  score: number;
  /**
   * The typed span of the quote that answers the question (a name for "who", a date for
   * "when"…), as document offsets inside `[start, end)`; absent when the question asks for no
   * such kind of thing or the sentence holds none.
   */
  answerSpan?: { start: number; end: number };
}

/** Where the time of one answer went, in milliseconds. */
export interface AnswerTimings {
  retrieveMs: number;
  answerMs: number;
}

/** The complete answer to one question, as `/api/ask` returns it. */
export interface Answer {
  answer: string;
  /**
   * `true`: the corpus answers the question and the answer is cited; `'partial'`: the closest
   * passage may answer it (confidence between the refusal and the partial thresholds; the
   * answer text starts "The closest passage may answer this:"); `false`: refused.
   */
  grounded: boolean | 'partial';
  /**
   * The abstainer's probability, in [0, 1], that the corpus answers the question (the learned
   * answer scorer, `weights/answer-scorer.json`). Set on refusals too, so evaluation can sort
   * every question by it and draw the risk-coverage curve.
   */
  confidence: number;
  citations: Citation[];
  passages: Passage[];
  /**
   * Corpus-relative names of the sources of every re-ranked candidate passage, best first (the
   * passages' own sources lead): the source ranking that evaluation scores, deeper than `k`.
   */
  rankedSources: string[];
  timings: AnswerTimings;
  /** Which generator wrote the answer (`extractive`, `llm:<model>`). */
  generator: string;
  /** Sentences of an LLM answer whose support in the cited passage is too weak. */
  unsupported?: string[];
  /** Something the user should know, e.g. that the LLM was down and the extractive answer was used. */
  notice?: string;
}

/**
 * The typed stream every answer is made of: `retrieval-end` with the passages, the generator's
 * `text-delta` and `citation` parts, then one `finish` with the whole answer. Failures are thrown,
 * never yielded, so a consumer has one error path. The HTTP layer turns the parts into SSE frames
 * (`toSseFrame`); the non-streaming `ask()` consumes the same stream.
 */
export type AnswerStreamPart =
  | { type: 'retrieval-end'; passages: Passage[]; query: string }
  | { type: 'text-delta'; text: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'finish'; answer: Answer };

/**
 * What a generator yields: the answer's text and footnotes as they are written, and at most one
 * `verdict` at the end when the generator has more to say than its text (which generator really
 * wrote the answer, sentences it could not support, a notice for the reader). `askStream` turns
 * these into the public `AnswerStreamPart`s and adds passages, ranked sources and timings.
 */
export type GeneratorPart =
  | { type: 'text-delta'; text: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'verdict'; verdict: GeneratorVerdict };

/** A generator's last word on its answer. */
export interface GeneratorVerdict {
  /** Which generator wrote the text (an LLM generator that fell back names the fallback). */
  generator: string;
  /** Sentences of the answer whose support in the cited passages is too weak. */
  unsupported?: string[];
  /** Something the reader should know, e.g. that the LLM was down and the passages are quoted. */
  notice?: string;
}

/** A sentence of a retrieved passage, scored as a possible answer. */
export interface ScoredSentence {
  passageIndex: number;
  sourceId: string;
  start: number;
  end: number;
  text: string;
  /** Combined evidence score in [0, 1]. */
  score: number;
  /** Share of the question's (IDF-weighted) terms the sentence contains. */
  coverage: number;
  /** Cosine similarity of sentence and query embeddings. */
  similarity: number;
  /** The sentence holds the kind of thing asked for (a name for "who", a date for "when"…). */
  typeMatch: boolean;
  /** Document offsets of the typed span that answers the question, when the ranker found one. */
  answerSpan?: { start: number; end: number };
}

/** What `askStream` gives a generator: the question, the re-ranked passages and their scored evidence. */
export interface GenerateInput {
  question: string;
  /** Standalone question after taking the conversation into account. */
  query: string;
  passages: Passage[];
  /** Sentences of the passages, best evidence first. */
  evidence: ScoredSentence[];
  history: ChatTurn[];
  /** Looks a source up by id; quotes are cut from its text. */
  sourceOf: (sourceId: string) => CitableSource;
  signal?: AbortSignal;
}

/** Writes the answer from retrieved passages, as a stream of parts. */
export interface Generator {
  readonly id: string;
  generate(input: GenerateInput): AsyncIterable<GeneratorPart>;
  /**
   * Rewrites a follow-up ("What did he say next?") into a standalone question, which retrieval
   * then searches for. Called only when there is history; when absent or failing, retrieval folds
   * the earlier user turns into the query instead.
   */
  condense?: (question: string, history: ChatTurn[], signal?: AbortSignal) => Promise<string>;
}
