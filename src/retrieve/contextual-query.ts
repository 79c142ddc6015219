import { analyze } from '../text/index.js';
import type { ChatTurn } from '../types.js';

/** The question to retrieve for, with the conversation folded in. */
export interface ContextualQuery {
  /** The user's question as asked. */
  question: string;
  /** Text shown as "searched for" (the question, plus the context it drew on). */
  text: string;
  /** Analysed terms and their weights: the question's own terms 1, terms only from earlier turns less. */
  termWeights: Map<string, number>;
  /** Text for keyword search: the question followed by the earlier turns it draws on. */
  lexicalText: string;
  /** Texts to embed for dense retrieval and how much each counts. */
  denseParts: Array<{ text: string; weight: number }>;
}

/** How much of the conversation a follow-up question borrows. */
export interface ContextualQueryOptions {
  /** Earlier user turns taken into account, newest first. @default 2 */
  userTurns: number;
  /** Weight of the newest earlier user turn; each older one gets half as much. @default 0.5 */
  historyWeight: number;
}

/** The defaults of `ContextualQueryOptions`. */
export const defaultContextualQueryOptions: ContextualQueryOptions = { userTurns: 2, historyWeight: 0.5 };

/** Words that point back into the conversation ("he", "it", "that deal", "what about…"). */
const ANAPHORA =
  /\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|the same|such|also|too|else|other|others|former|latter)\b|^\s*(and|but|so|what about|how about|why)\b/i;

/** Capitalised words that start a sentence or are function words, not names. */
const NOT_NAMES = new Set(
  'the a an but and as it he she they we i this that these those in on at after last it’s its his her their there here when while if so yet for of to by with from i couldn’t'.split(
    ' ',
  ),
);

/**
 * Proper names in an answer: runs of capitalised words (with "of", "al-", "de" inside), not
 * counting a lone capitalised word at the start of a sentence or footnote markers.
 */
export function namesIn(text: string): string[] {
  const names = new Set<string>();
  const cleaned = text.replace(/\s*\[\d+\]/g, '.');
  for (const match of cleaned.matchAll(
    /\p{Lu}[\p{L}'’-]+(?:\s+(?:(?:of|de|al|bin|van|von)\s+)?\p{Lu}[\p{L}'’-]+)*/gu,
  )) {
    const words = match[0].split(/\s+/).filter((word) => !NOT_NAMES.has(word.toLowerCase()));
    const before = cleaned.slice(0, match.index).trimEnd();
    const sentenceStart = before === '' || /[.!?:"“]$/.test(before);
    if (words.length === 0 || (words.length === 1 && sentenceStart)) continue;
    names.add(words.join(' '));
  }
  return [...names];
}

/**
 * True when a question needs the conversation to be understood: it refers back ("he", "it",
 * "and what about…") or says too little on its own. A self-contained question is retrieved on
 * its own words, so an earlier topic cannot pull it off course.
 */
export function needsContext(question: string): boolean {
  // A short question that names its own topic ("What is the capital of Australia?") stands alone.
  const namesTopic = /\s\p{Lu}/u.test(question.trim());
  return ANAPHORA.test(question) || (analyze(question).length <= 2 && !namesTopic);
}

/**
 * Builds the retrieval query for a chat turn. A follow-up like "And what did the Russians say
 * about it?" carries little on its own, so the terms of the previous user questions are added
 * with lower weight: they steer retrieval to the conversation's topic without outvoting what
 * the new question asks. Questions that stand on their own ({@link needsContext}) are searched
 * as asked.
 */
export function contextualQuery(
  question: string,
  history: ChatTurn[] = [],
  options: Partial<ContextualQueryOptions> = {},
): ContextualQuery {
  const settings = { ...defaultContextualQueryOptions, ...options };
  const termWeights = new Map<string, number>();
  for (const term of analyze(question)) termWeights.set(term, 1);
  const denseParts = [{ text: question, weight: 1 }];
  const earlier = (needsContext(question) ? history : [])
    .filter((turn) => turn.role === 'user' && turn.content.trim().length > 0)
    .slice(-settings.userTurns)
    .reverse();
  let weight = settings.historyWeight;
  for (const turn of earlier) {
    for (const term of analyze(turn.content)) if (!termWeights.has(term)) termWeights.set(term, weight);
    denseParts.push({ text: turn.content, weight });
    weight /= 2;
  }
  // A pronoun may point at someone or something named only in the previous answer ("…Lakhdar
  // Brahimi…" → "Which city was he visiting?"): the names the last answer quoted join the query.
  const lastAnswer = needsContext(question)
    ? history.findLast((turn) => turn.role === 'assistant' && turn.content.trim().length > 0)
    : undefined;
  const names = lastAnswer ? namesIn(lastAnswer.content) : [];
  for (const name of names)
    for (const term of analyze(name))
      if (!termWeights.has(term)) termWeights.set(term, settings.historyWeight);
  if (names.length > 0) denseParts.push({ text: names.join(' '), weight: settings.historyWeight });
  const context = [...earlier.map((turn) => turn.content.trim()).reverse(), ...names];
  return {
    question,
    text: context.length > 0 ? `${question} (in the context of: ${context.join(' / ')})` : question,
    lexicalText: [question, ...context].join('\n'),
    termWeights,
    denseParts,
  };
}
