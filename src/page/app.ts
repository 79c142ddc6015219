/**
 * The chat page: wires the conversation, the composer, the source panel and the corpus panel
 * together. Everything from the server is rendered as text (see dom.ts), never as HTML.
 */

import type { Citation } from '../answer/types.js';
import type { Passage } from '../types.js';
import { ApiError, ConnectionError, type Health, setKeyPrompt, streamChat } from './api.js';
import {
  answerAsText,
  type Exchange,
  type Failure,
  loadConversation,
  messagesFor,
  newExchange,
  saveConversation,
} from './conversation.js';
import { CorpusPanel, type CorpusProblem } from './corpus-panel.js';
import { byId, h, icon, withCode } from './dom.js';
import { type ExchangeHandlers, type OpenSource, renderExchange } from './render-exchange.js';
import { SourcePanel, type SourceTarget } from './source-panel.js';

const conversation = byId<HTMLOListElement>('conversation');
const scroller = byId('scroller');
const emptyState = byId('empty-state');
const banner = byId('banner');
const composer = byId<HTMLFormElement>('composer');
const questionBox = byId<HTMLTextAreaElement>('question');
const sendButton = byId<HTMLButtonElement>('send');
const live = byId('live');

let exchanges: Exchange[] = loadConversation();
let running: { exchange: Exchange; controller: AbortController } | undefined;
let openSource: OpenSource | undefined;

const panel = new SourcePanel(() => {
  const previous = openSource;
  openSource = undefined;
  if (previous) redraw(previous.exchangeId);
});
const corpus = new CorpusPanel(showCorpusState);

const handlers: ExchangeHandlers = {
  openCitation: (exchange, citation) => showCitation(exchange, citation),
  openPassage: (exchange, passage, index) => showPassage(exchange, passage, index),
  copy: (exchange, button) => void copyAnswer(exchange, button),
  retry: (exchange) => void ask(exchange),
  openCorpus: () => corpus.open(),
};

// ---- conversation ----------------------------------------------------------------------

function renderAll(): void {
  conversation.replaceChildren(
    ...exchanges.map((exchange) => renderExchange(exchange, handlers, openSource)),
  );
  emptyState.hidden = exchanges.length > 0;
}

/** Redraws one exchange in place, keeping keyboard focus on the same control. */
function redraw(id: string): void {
  const exchange = exchanges.find((candidate) => candidate.id === id);
  const current = conversation.querySelector<HTMLElement>(`[data-exchange="${CSS.escape(id)}"]`);
  if (!exchange || !current) return;
  const focused =
    document.activeElement instanceof HTMLElement && current.contains(document.activeElement)
      ? document.activeElement.dataset.key
      : undefined;
  const next = renderExchange(exchange, handlers, openSource);
  current.replaceWith(next);
  if (focused)
    next.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
}

function isNearBottom(): boolean {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

function scrollToBottom(): void {
  scroller.scrollTop = scroller.scrollHeight;
}

let saveTimer: number | undefined;
function saveSoon(): void {
  if (saveTimer !== undefined) return;
  saveTimer = window.setTimeout(() => {
    saveTimer = undefined;
    saveConversation(exchanges);
  }, 400);
}

function announce(message: string): void {
  live.textContent = '';
  window.setTimeout(() => (live.textContent = message), 30);
}

/** Sends (or re-sends) an exchange's question with the conversation before it. */
async function ask(exchange: Exchange): Promise<void> {
  running?.controller.abort();
  const controller = new AbortController();
  running = { exchange, controller };
  Object.assign(exchange, { status: 'searching', text: '', citations: [], passages: [] });
  delete exchange.result;
  delete exchange.failure;
  if (openSource?.exchangeId === exchange.id) panel.close();
  setComposerBusy(true);
  redraw(exchange.id);
  saveConversation(exchanges);

  const index = exchanges.indexOf(exchange);
  const update = () => {
    const stick = isNearBottom();
    redraw(exchange.id);
    if (stick) scrollToBottom();
    saveSoon();
  };
  try {
    for await (const event of streamChat(messagesFor(exchanges, index), controller.signal)) {
      if (event.event === 'retrieval') {
        exchange.passages = event.data.passages;
        exchange.status = 'writing';
      } else if (event.event === 'delta') {
        exchange.text += event.data.text;
        exchange.status = 'writing';
      } else if (event.event === 'citation') {
        exchange.citations.push(event.data);
      } else if (event.event === 'done') {
        const answer = event.data;
        exchange.text = answer.answer;
        exchange.citations = answer.citations;
        exchange.passages = answer.passages;
        exchange.result = {
          grounded: answer.grounded,
          generator: answer.generator,
          timings: answer.timings,
          ...(answer.notice ? { notice: answer.notice } : {}),
          ...(answer.unsupported?.length ? { unsupported: answer.unsupported } : {}),
        };
        exchange.status = 'done';
        announce(
          answer.grounded
            ? `Answer ready with ${answer.citations.length} footnote${answer.citations.length === 1 ? '' : 's'}.`
            : 'Not found in the corpus.',
        );
      } else if (event.event === 'error') {
        const { code, message } = event.data.error;
        fail(
          exchange,
          code === 'index_missing' ? { kind: 'no_index', code, message } : { kind: 'server', code, message },
        );
      }
      update();
    }
  } catch (error) {
    fail(
      exchange,
      controller.signal.aborted ? { kind: 'stopped', message: 'You stopped this answer.' } : failureOf(error),
    );
    update();
  } finally {
    if (running?.controller === controller) {
      running = undefined;
      setComposerBusy(false);
    }
    saveConversation(exchanges);
  }
}

function fail(exchange: Exchange, failure: Failure): void {
  exchange.status = 'failed';
  exchange.failure = failure;
  if (failure.kind !== 'stopped') announce(`${failure.message}. Retry is available.`);
}

function failureOf(error: unknown): Failure {
  if (error instanceof ConnectionError)
    return {
      kind: 'connection',
      message: `${capitalize(error.message)}. Check that the Footnote server is running, then retry.`,
    };
  if (error instanceof ApiError) {
    if (error.code === 'index_missing' || error.status === 503)
      return { kind: 'no_index', code: error.code, message: error.message };
    if (error.status === 401)
      return {
        kind: 'auth',
        code: error.code,
        message: 'The server needs an API key to answer. Retry to enter it.',
      };
    return { kind: 'server', code: error.code, message: capitalize(error.message) };
  }
  return { kind: 'server', message: error instanceof Error ? error.message : String(error) };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function newChat(): void {
  running?.controller.abort();
  panel.close();
  exchanges = [];
  saveConversation(exchanges);
  renderAll();
  questionBox.value = '';
  resizeQuestionBox();
  questionBox.focus();
  announce('New chat started.');
}

// ---- sources ---------------------------------------------------------------------------

function focusInExchange(exchangeId: string, key: string): () => void {
  return () => {
    const container = conversation.querySelector(`[data-exchange="${CSS.escape(exchangeId)}"]`);
    container?.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
  };
}

function showCitation(exchange: Exchange, citation: Citation): void {
  const position = exchange.citations.indexOf(citation);
  const previous = exchange.citations[position - 1];
  const next = exchange.citations[position + 1];
  const returnKey =
    document.activeElement instanceof HTMLElement && document.activeElement.dataset.key
      ? document.activeElement.dataset.key
      : `cite-${citation.n}`;
  openSource = { exchangeId: exchange.id, key: `cite-${citation.n}` };
  redraw(exchange.id);
  const target: SourceTarget = {
    kind: 'citation',
    n: citation.n,
    sourceId: citation.sourceId,
    source: citation.source,
    title: citation.title,
    start: citation.start,
    end: citation.end,
    line: citation.line,
    ...(citation.page === undefined ? {} : { page: citation.page }),
    ...(citation.section === undefined ? {} : { section: citation.section }),
    quote: citation.quote,
  };
  void panel.show(
    target,
    {
      position: `${position + 1} of ${exchange.citations.length}`,
      ...(previous ? { previous: () => showCitation(exchange, previous) } : {}),
      ...(next ? { next: () => showCitation(exchange, next) } : {}),
    },
    focusInExchange(exchange.id, returnKey),
  );
}

function showPassage(exchange: Exchange, passage: Passage, index: number): void {
  const shown = exchange.passages.slice(0, 3);
  const previous = shown[index - 1];
  const next = shown[index + 1];
  openSource = { exchangeId: exchange.id, key: `passage-${index}` };
  redraw(exchange.id);
  const target: SourceTarget = {
    kind: 'passage',
    sourceId: passage.sourceId,
    source: passage.source,
    title: passage.title,
    start: passage.start,
    end: passage.end,
    line: passage.lineStart,
    ...(passage.page === undefined ? {} : { page: passage.page }),
    ...(passage.section === undefined ? {} : { section: passage.section }),
    quote: passage.text,
  };
  void panel.show(
    target,
    {
      position: `${index + 1} of ${shown.length}`,
      ...(previous ? { previous: () => showPassage(exchange, previous, index - 1) } : {}),
      ...(next ? { next: () => showPassage(exchange, next, index + 1) } : {}),
    },
    focusInExchange(exchange.id, `passage-${index}`),
  );
}

async function copyAnswer(exchange: Exchange, button: HTMLButtonElement): Promise<void> {
  const text = answerAsText(exchange);
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    // No clipboard permission (plain http on another host…): fall back to a selection copy.
    const scratch = h('textarea', { class: 'visually-hidden', 'aria-hidden': 'true' }, text);
    document.body.append(scratch);
    scratch.select();
    copied = document.execCommand('copy');
    scratch.remove();
  }
  const label = button.querySelector('span');
  if (!label) return;
  button.replaceChildren(icon(copied ? 'check' : 'copy'), h('span', {}, copied ? 'Copied' : 'Copy failed'));
  announce(copied ? 'Answer copied with its footnotes.' : 'Could not copy the answer.');
  window.setTimeout(() => button.replaceChildren(icon('copy'), h('span', {}, 'Copy answer')), 2000);
}

// ---- corpus state ----------------------------------------------------------------------

function showCorpusState(health: Health | undefined, problem: CorpusProblem | undefined): void {
  if (health?.status === 'no_index') {
    banner.replaceChildren(
      h(
        'div',
        { class: 'banner-text' },
        h('p', { class: 'banner-title' }, 'No index yet'),
        h(
          'p',
          {},
          ...withCode(
            'Footnote answers only from the files it has indexed, and there is no index to answer from. Put text, Markdown or HTML files in the corpus folder, then re-ingest (or run `footnote ingest`).',
          ),
        ),
        health.message &&
          health.message !== 'no index yet' &&
          h('p', { class: 'banner-detail' }, 'Server: ', ...withCode(health.message)),
      ),
      h('button', { type: 'button', class: 'button', onclick: () => corpus.open() }, 'Open corpus'),
    );
    banner.hidden = false;
  } else if (problem) {
    banner.replaceChildren(
      h(
        'div',
        { class: 'banner-text' },
        h('p', { class: 'banner-title' }, problem.title),
        h('p', {}, ...withCode(problem.message)),
      ),
      h(
        'button',
        { type: 'button', class: 'button', onclick: () => void corpus.refresh() },
        icon('retry'),
        'Retry',
      ),
    );
    banner.hidden = false;
  } else {
    banner.hidden = true;
    banner.replaceChildren();
  }
  if (health?.status === 'ok' && health.corpus) {
    const files = health.corpus.sources;
    byId('empty-corpus').textContent =
      `${files} file${files === 1 ? '' : 's'} indexed${health.embedder ? ` with ${health.embedder}` : ''}.`;
  }
}

// ---- composer --------------------------------------------------------------------------

function setComposerBusy(busy: boolean): void {
  sendButton.classList.toggle('is-stop', busy);
  sendButton.setAttribute('aria-label', busy ? 'Stop the answer' : 'Send');
  sendButton.replaceChildren(icon(busy ? 'stop' : 'next'));
  composer.setAttribute('aria-busy', busy ? 'true' : 'false');
}

function resizeQuestionBox(): void {
  questionBox.style.height = 'auto';
  questionBox.style.height = `${Math.min(questionBox.scrollHeight, 200)}px`;
}

function submit(): void {
  if (running) return;
  const question = questionBox.value.trim();
  if (!question) {
    questionBox.focus();
    return;
  }
  const exchange = newExchange(question);
  exchanges.push(exchange);
  questionBox.value = '';
  resizeQuestionBox();
  emptyState.hidden = true;
  conversation.append(renderExchange(exchange, handlers, openSource));
  scrollToBottom();
  void ask(exchange);
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) running.controller.abort();
  else submit();
});
questionBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});
questionBox.addEventListener('input', resizeQuestionBox);
byId('new-chat').addEventListener('click', newChat);
byId('empty-browse').addEventListener('click', () => corpus.open());
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && panel.isOpen && !document.querySelector('dialog[open]')) panel.close();
});

// ---- API key ---------------------------------------------------------------------------

setKeyPrompt(
  (rejected) =>
    new Promise((resolve) => {
      const dialog = byId<HTMLDialogElement>('key-dialog');
      const input = byId<HTMLInputElement>('key-input');
      byId('key-message').textContent = rejected
        ? 'The server did not accept that key. Enter the key it was started with (FOOTNOTE_API_KEY).'
        : 'This Footnote server asks for an API key. It is kept for this tab only.';
      input.value = '';
      dialog.returnValue = '';
      byId('key-cancel').onclick = () => dialog.close('cancel');
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? input.value : undefined), {
        once: true,
      });
      dialog.showModal();
      input.focus();
    }),
);

renderAll();
setComposerBusy(false);
scrollToBottom();
void corpus.refresh();
questionBox.focus();
