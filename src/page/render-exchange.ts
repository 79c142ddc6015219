/**
 * Draws one exchange: the question, the answer with its footnote buttons, the sources, and
 * whatever state the answer is in (searching, writing, not found, failed).
 */

import type { Citation } from '../answer/types.js';
import { describeLocation } from '../text/locate.js';
import type { Passage } from '../types.js';
import type { Exchange } from './conversation.js';
import { h, icon, withCode } from './dom.js';

/** What the page does when a footnote, passage or button of an exchange is used. */
export interface ExchangeHandlers {
  openCitation: (exchange: Exchange, citation: Citation) => void;
  openPassage: (exchange: Exchange, passage: Passage, index: number) => void;
  copy: (exchange: Exchange, button: HTMLButtonElement) => void;
  retry: (exchange: Exchange) => void;
  openCorpus: () => void;
}

/** Which footnote's source is open, so its buttons can show it. */
export interface OpenSource {
  exchangeId: string;
  key: string;
}

/** The DOM of one question and its answer, footnotes and passages. */
export function renderExchange(
  exchange: Exchange,
  handlers: ExchangeHandlers,
  open: OpenSource | undefined,
): HTMLLIElement {
  const openKey = open?.exchangeId === exchange.id ? open.key : undefined;
  return h(
    'li',
    { class: 'exchange', 'data-exchange': exchange.id },
    h('div', { class: 'question' }, h('p', {}, exchange.question)),
    renderAnswer(exchange, handlers, openKey),
  );
}

function renderAnswer(
  exchange: Exchange,
  handlers: ExchangeHandlers,
  openKey: string | undefined,
): HTMLElement {
  const notFound = exchange.status === 'done' && exchange.result?.grounded === false;
  const classes = [
    'answer',
    notFound && 'not-found',
    exchange.status === 'failed' && 'failed',
    (exchange.status === 'searching' || exchange.status === 'writing') && 'streaming',
  ];
  const article = h('article', {
    class: classes.filter(Boolean).join(' '),
    'aria-label': 'Answer',
    'aria-busy': exchange.status === 'searching' || exchange.status === 'writing' ? 'true' : undefined,
  });

  if (notFound) {
    article.append(h('p', { class: 'answer-label' }, icon('search'), 'Not found in the corpus'));
  }
  // An answer given with doubt starts "The closest passage may answer this:"; styled apart.
  if (exchange.status === 'done' && exchange.result?.grounded === 'partial') article.classList.add('partial');
  if (exchange.text) article.append(renderAnswerText(exchange, handlers, openKey));
  if (exchange.status === 'searching' || exchange.status === 'writing')
    article.append(renderProgress(exchange));
  if (exchange.result?.notice && exchange.status === 'done')
    article.append(h('p', { class: 'answer-notice' }, exchange.result.notice));
  if (exchange.result?.unsupported?.length) {
    article.append(
      h(
        'p',
        { class: 'answer-notice' },
        `Weakly supported by the cited passages: ${exchange.result.unsupported.map((sentence) => `“${sentence}”`).join(' ')}`,
      ),
    );
  }
  if (exchange.citations.length > 0) article.append(renderSources(exchange, handlers, openKey));
  if (notFound && exchange.passages.length > 0)
    article.append(renderClosestPassages(exchange, handlers, openKey));
  if (exchange.status === 'failed' && exchange.failure) article.append(renderFailure(exchange, handlers));
  if (exchange.status === 'done') article.append(renderActions(exchange, handlers));
  return article;
}

/** The answer text, with each `[n]` that has a citation turned into a button. */
function renderAnswerText(
  exchange: Exchange,
  handlers: ExchangeHandlers,
  openKey: string | undefined,
): HTMLElement {
  const byNumber = new Map(exchange.citations.map((citation) => [citation.n, citation]));
  const paragraph = h('div', { class: 'answer-text' });
  const blocks = exchange.text.split(/\n{2,}/);
  blocks.forEach((block, blockIndex) => {
    const p = h('p');
    let last = 0;
    for (const match of block.matchAll(/\s?\[(\d+)\]/g)) {
      const citation = byNumber.get(Number(match[1]));
      if (!citation) continue;
      p.append(block.slice(last, match.index));
      p.append(citationButton(exchange, citation, handlers, openKey));
      last = match.index + match[0].length;
    }
    p.append(block.slice(last));
    if (blockIndex === blocks.length - 1 && exchange.status === 'writing')
      p.append(h('span', { class: 'caret', 'aria-hidden': 'true' }));
    paragraph.append(p);
  });
  return paragraph;
}

function citationButton(
  exchange: Exchange,
  citation: Citation,
  handlers: ExchangeHandlers,
  openKey: string | undefined,
): HTMLButtonElement {
  const key = `cite-${citation.n}`;
  return h(
    'button',
    {
      type: 'button',
      class: openKey === key ? 'cite is-open' : 'cite',
      'data-key': key,
      'data-footnote': citation.n,
      'aria-label': `Footnote ${citation.n}: ${citation.source}, ${describeLocation(citation)}`,
      'aria-expanded': openKey === key ? 'true' : 'false',
      'aria-controls': 'source-panel',
      onclick: () => handlers.openCitation(exchange, citation),
    },
    String(citation.n),
  );
}

function renderProgress(exchange: Exchange): HTMLElement {
  const count = exchange.passages.length;
  const label =
    exchange.status === 'searching'
      ? 'Searching the corpus…'
      : exchange.text
        ? `Writing from ${count} passage${count === 1 ? '' : 's'}…`
        : `Reading ${count} passage${count === 1 ? '' : 's'}…`;
  return h(
    'p',
    { class: 'progress', role: 'status' },
    h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
    label,
  );
}

function renderSources(
  exchange: Exchange,
  handlers: ExchangeHandlers,
  openKey: string | undefined,
): HTMLElement {
  const list = h('ol', { class: 'source-list' });
  for (const citation of exchange.citations) {
    const key = `source-${citation.n}`;
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: openKey === `cite-${citation.n}` ? 'source-item is-open' : 'source-item',
            'data-key': key,
            'aria-controls': 'source-panel',
            onclick: () => handlers.openCitation(exchange, citation),
          },
          h('span', { class: 'source-number', 'aria-hidden': 'true' }, String(citation.n)),
          h(
            'span',
            { class: 'source-body' },
            citation.title && h('span', { class: 'source-title' }, citation.title),
            h(
              'span',
              { class: 'source-line' },
              h('span', { class: 'file-name' }, citation.source),
              h('span', { class: 'source-meta' }, describeLocation(citation)),
            ),
            h('span', { class: 'source-quote' }, '“', ...quoteWithAnswer(citation), '”'),
          ),
        ),
      ),
    );
  }
  return h(
    'section',
    { class: 'sources', 'aria-label': 'Sources' },
    h(
      'h3',
      { class: 'section-title' },
      exchange.citations.length === 1 ? 'Source' : `Sources · ${exchange.citations.length}`,
    ),
    list,
  );
}

/** The quote as text nodes, its answering span (`answerSpan`) in bold. */
function quoteWithAnswer(citation: Citation): Array<string | HTMLElement> {
  const span = citation.answerSpan;
  if (!span || span.start < citation.start || span.end > citation.end || span.end <= span.start)
    return [citation.quote];
  const from = span.start - citation.start;
  const to = span.end - citation.start;
  return [
    citation.quote.slice(0, from),
    h('strong', { class: 'answer-span' }, citation.quote.slice(from, to)),
    citation.quote.slice(to),
  ];
}

function renderClosestPassages(
  exchange: Exchange,
  handlers: ExchangeHandlers,
  openKey: string | undefined,
): HTMLElement {
  const list = h('ol', { class: 'source-list closest-list' });
  exchange.passages.slice(0, 3).forEach((passage, index) => {
    const key = `passage-${index}`;
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: openKey === key ? 'source-item is-open' : 'source-item',
            'data-key': key,
            'aria-controls': 'source-panel',
            onclick: () => handlers.openPassage(exchange, passage, index),
          },
          h(
            'span',
            { class: 'source-body' },
            passage.title && h('span', { class: 'source-title' }, passage.title),
            h(
              'span',
              { class: 'source-line' },
              h('span', { class: 'file-name' }, passage.source),
              h(
                'span',
                { class: 'source-meta' },
                passage.page !== undefined || passage.section
                  ? describeLocation(passage)
                  : passage.lineStart === passage.lineEnd
                    ? `line ${passage.lineStart}`
                    : `lines ${passage.lineStart}–${passage.lineEnd}`,
              ),
            ),
            h('span', { class: 'source-quote' }, passage.text),
          ),
        ),
      ),
    );
  });
  return h(
    'section',
    { class: 'sources closest', 'aria-label': 'Closest passages, not an answer' },
    h(
      'h3',
      { class: 'section-title' },
      'Closest passages',
      h('span', { class: 'not-answer' }, 'not an answer'),
    ),
    list,
  );
}

const FAILURE_TITLES: Record<string, string> = {
  connection: 'Lost the connection',
  server: 'The server could not answer',
  stopped: 'Stopped',
  no_index: 'There is no index to answer from',
  auth: 'An API key is needed',
};

function renderFailure(exchange: Exchange, handlers: ExchangeHandlers): HTMLElement {
  const failure = exchange.failure!;
  const detail =
    failure.kind === 'no_index'
      ? `${sentence(failure.message)} You can also re-ingest from the corpus panel.`
      : sentence(failure.message);
  return h(
    'div',
    { class: `failure failure-${failure.kind}`, role: failure.kind === 'stopped' ? undefined : 'alert' },
    h(
      'div',
      { class: 'failure-text' },
      h(
        'p',
        { class: 'failure-title' },
        icon('alert'),
        FAILURE_TITLES[failure.kind] ?? 'Something went wrong',
      ),
      h(
        'p',
        { class: 'failure-detail' },
        ...withCode(detail),
        failure.code && failure.kind === 'server' ? ` (${failure.code})` : '',
      ),
    ),
    h(
      'div',
      { class: 'failure-actions' },
      failure.kind === 'no_index' &&
        h(
          'button',
          {
            type: 'button',
            class: 'button secondary',
            'data-key': 'corpus',
            onclick: () => handlers.openCorpus(),
          },
          'Open corpus',
        ),
      h(
        'button',
        { type: 'button', class: 'button', 'data-key': 'retry', onclick: () => handlers.retry(exchange) },
        icon('retry'),
        'Retry',
      ),
    ),
  );
}

/** A server message as a sentence: capital first letter, full stop at the end. */
function sentence(message: string): string {
  const text = message.trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

function renderActions(exchange: Exchange, handlers: ExchangeHandlers): HTMLElement {
  const result = exchange.result;
  const facts: string[] = [];
  if (result?.generator && result.grounded)
    facts.push(result.generator === 'extractive' ? 'quoted from the corpus' : result.generator);
  if (result?.timings) facts.push(`${Math.round(result.timings.retrieveMs + result.timings.answerMs)} ms`);
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'ghost-button',
      'data-key': 'copy',
      onclick: () => handlers.copy(exchange, copy),
    },
    icon('copy'),
    h('span', {}, 'Copy answer'),
  );
  return h(
    'footer',
    { class: 'answer-actions' },
    copy,
    facts.length > 0 && h('span', { class: 'answer-facts' }, facts.join(' · ')),
  );
}
