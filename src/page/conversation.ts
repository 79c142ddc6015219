/**
 * The conversation as the page keeps it: one exchange per question, saved in local storage so
 * a reload finds it again.
 */

import type { AnswerTimings, Citation } from '../answer/types.js';
import type { ChatTurn, Passage } from '../types.js';

/** Why an exchange has no answer. */
export interface Failure {
  kind: 'server' | 'connection' | 'stopped' | 'no_index' | 'auth';
  code?: string;
  message: string;
}

/** One question and its answer, however far the answer got. */
export interface Exchange {
  id: string;
  question: string;
  status: 'searching' | 'writing' | 'done' | 'failed';
  /** The answer text as streamed; `[n]` marks footnote n. */
  text: string;
  citations: Citation[];
  passages: Passage[];
  /** Present once the answer is complete. */
  result?: {
    /** `'partial'`: given with doubt ("The closest passage may answer this:"). */
    grounded: boolean | 'partial';
    notice?: string;
    generator: string;
    timings?: AnswerTimings;
    unsupported?: string[];
  };
  failure?: Failure;
}

const STORAGE_KEY = 'footnote:conversation';
const FORMAT_VERSION = 1;
/** Older exchanges are dropped from storage (the page stays fast; local storage stays small). */
const MAX_STORED_EXCHANGES = 60;
/** The server's default limits: 50 history turns, 8000 characters a turn. */
const MAX_HISTORY_EXCHANGES = 25;
const MAX_TURN_CHARS = 8000;

/** A new exchange for a question, waiting for its answer. */
export function newExchange(question: string): Exchange {
  const id =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return { id, question, status: 'searching', text: '', citations: [], passages: [] };
}

/** The conversation saved by the last visit; an answer cut off by the reload is marked so. */
export function loadConversation(): Exchange[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return [];
    const saved = JSON.parse(raw) as { version?: number; exchanges?: unknown };
    if (saved.version !== FORMAT_VERSION || !Array.isArray(saved.exchanges)) return [];
    return (saved.exchanges as Exchange[])
      .filter((exchange) => typeof exchange?.id === 'string' && typeof exchange.question === 'string')
      .map((exchange) =>
        exchange.status === 'searching' || exchange.status === 'writing'
          ? {
              ...exchange,
              status: 'failed',
              failure: { kind: 'stopped', message: 'The page was reloaded before this answer finished.' },
            }
          : exchange,
      );
  } catch {
    return [];
  }
}

/** Keeps the conversation in the tab's session storage, so a reload restores it. */
export function saveConversation(exchanges: readonly Exchange[]): void {
  try {
    if (exchanges.length === 0) localStorage.removeItem(STORAGE_KEY);
    else
      localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({ version: FORMAT_VERSION, exchanges: exchanges.slice(-MAX_STORED_EXCHANGES) }),
      );
  } catch {
    // Storage full or disabled: the conversation still works, it just won't survive a reload.
  }
}

/**
 * The `messages` for `/api/chat`: every answered exchange before `index` as a user and an
 * assistant turn, then the question. Unanswered questions are left out.
 */
export function messagesFor(exchanges: readonly Exchange[], index: number): ChatTurn[] {
  const answered = exchanges.slice(0, index).filter((exchange) => exchange.status === 'done');
  const turns: ChatTurn[] = [];
  for (const exchange of answered.slice(-MAX_HISTORY_EXCHANGES)) {
    turns.push({ role: 'user', content: exchange.question.slice(0, MAX_TURN_CHARS) });
    turns.push({ role: 'assistant', content: exchange.text.slice(0, MAX_TURN_CHARS) });
  }
  const current = exchanges[index];
  if (current) turns.push({ role: 'user', content: current.question });
  return turns;
}

/** The answer as plain text with its footnotes, for the clipboard. */
export function answerAsText(exchange: Exchange): string {
  const lines = [exchange.text.trim()];
  if (exchange.result?.notice) lines.push('', exchange.result.notice);
  if (exchange.citations.length > 0) {
    lines.push('');
    for (const citation of exchange.citations)
      lines.push(`[${citation.n}] ${citation.source}, line ${citation.line}: “${citation.quote}”`);
  }
  return lines.join('\n');
}
