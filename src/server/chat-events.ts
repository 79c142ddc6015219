/**
 * The Server-Sent Events of `POST /api/chat`: the one place where the core's typed answer stream
 * becomes frames on the wire. Type-only imports, so the browser page can import the event types.
 */
import type { Answer, AnswerStreamPart, Citation } from '../answer/types.js';
import type { Passage } from '../types.js';

/**
 * One `/api/chat` event: the frame's `event` field and the JSON its `data` field carries.
 * `retrieval` comes first, then `delta` and `citation` as the answer is written, and the stream
 * ends with exactly one `done` (the whole answer) or one `error`.
 */
export type ChatEvent =
  | { event: 'retrieval'; data: { query: string; passages: Passage[] } }
  | { event: 'delta'; data: { text: string } }
  | { event: 'citation'; data: Citation }
  | { event: 'done'; data: Answer }
  | { event: 'error'; data: { error: { code: string; message: string } } };

/** An SSE frame as Hono's `writeSSE` takes it. */
export interface SseFrame {
  event: ChatEvent['event'];
  data: string;
}

/** The SSE frame for one part of the answer stream (errors are framed where they are caught). */
export function toSseFrame(part: AnswerStreamPart): SseFrame {
  switch (part.type) {
    case 'retrieval-end':
      return frame({ event: 'retrieval', data: { query: part.query, passages: part.passages } });
    case 'text-delta':
      return frame({ event: 'delta', data: { text: part.text } });
    case 'citation':
      return frame({ event: 'citation', data: part.citation });
    case 'finish':
      return frame({ event: 'done', data: part.answer });
  }
}

function frame(event: ChatEvent): SseFrame {
  return { event: event.event, data: JSON.stringify(event.data) };
}
