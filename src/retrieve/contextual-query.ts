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

/**
 * True when a question needs the conversation to be understood: it refers back ("he", "it",
 * "and what about…") or says too little on its own. A self-contained question is retrieved on
 * its own words, so an earlier topic cannot pull it off course.
 */
export function needsContext(question: string): boolean {
  return ANAPHORA.test(question) || analyze(question).length <= 2;
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
  const context = earlier.map((turn) => turn.content.trim()).reverse();
  return {
    question,
    text: context.length > 0 ? `${question} (in the context of: ${context.join(' / ')})` : question,
    lexicalText: [question, ...context].join('\n'),
    termWeights,
    denseParts,
  };
}
