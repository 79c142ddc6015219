/**
 * The panel beside the answer that shows a cited passage in its file: file name, headline,
 * place (line, PDF page or Word heading path), and the surrounding text with the cited span in a
 * `<mark>`, scrolled into view; for a PDF, first the original page with the span marked on it.
 */
import type { Citation } from '../answer/types.js';
import { ApiError, ConnectionError, fetchOriginal, fetchSource, type SourceText } from './api.js';
import { byId, h, icon } from './dom.js';

/**
 * What to show: a footnote's quote, or a retrieved passage that is not an answer (its text as
 * `quote`, its first line as `line`).
 */
export interface SourceTarget
  extends Pick<
    Citation,
    'sourceId' | 'source' | 'title' | 'start' | 'end' | 'line' | 'page' | 'section' | 'quote'
  > {
  kind: 'citation' | 'passage';
  /** Footnote number (citations only). */
  n?: number;
}

/** Where the target is, as the panel's meta line says it. */
function locationLabel(target: SourceTarget): string {
  if (target.page !== undefined) return `Page ${target.page}`;
  if (target.section && target.section.length > 0) return `§${target.section.join(' › ')}`;
  return `Line ${target.line}`;
}

/** Moving between the footnotes of one answer from the source panel. */
export interface Navigation {
  position: string;
  previous?: () => void;
  next?: () => void;
}

/** Files up to this size are shown whole; longer ones as a window around the span. */
const WHOLE_FILE_CHARS = 20_000;
const CONTEXT_CHARS = 4_000;

/** The side panel showing a source around a footnote's quote, checked against the file as it is now. */
export class SourcePanel {
  private readonly root = byId('source-panel');
  private readonly backdrop = byId('panel-backdrop');
  private readonly layout = byId('layout');
  private readonly cache = new Map<string, Promise<SourceText>>();
  private readonly originals = new Map<string, Promise<ArrayBuffer>>();
  /** Whether PDF citations open on the page (true) or on the extracted text. */
  private showPdfPage = true;
  private generation = 0;
  private returnFocus: (() => void) | undefined;

  constructor(private readonly onClose: () => void) {
    this.backdrop.addEventListener('click', () => this.close());
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** Forget fetched files (after a re-ingest they may have changed). */
  clearCache(): void {
    this.cache.clear();
    this.originals.clear();
  }

  /** Shows a target; `returnFocus` runs when the panel closes. */
  async show(target: SourceTarget, navigation: Navigation, returnFocus: () => void): Promise<void> {
    const generation = ++this.generation;
    this.returnFocus = returnFocus;
    const heading = h(
      'h2',
      { id: 'panel-title', class: 'panel-title', tabindex: '-1' },
      target.kind === 'citation' ? `Footnote ${target.n}` : 'Closest passage',
    );
    const body = h(
      'div',
      { class: 'panel-body' },
      h('p', { class: 'panel-loading', role: 'status' }, 'Opening the file…'),
    );
    this.root.replaceChildren(
      h(
        'div',
        { class: 'panel-head' },
        h(
          'div',
          { class: 'panel-head-row' },
          heading,
          target.kind === 'passage' && h('span', { class: 'not-answer' }, 'not an answer'),
          h(
            'button',
            {
              type: 'button',
              class: 'icon-button panel-close',
              'aria-label': 'Close the source',
              onclick: () => this.close(),
            },
            icon('close'),
          ),
        ),
        h('p', { class: 'panel-file' }, icon('file'), h('span', { class: 'file-name' }, target.source)),
        h('p', { class: 'panel-headline' }, target.title),
        h(
          'p',
          { class: 'panel-meta' },
          `${locationLabel(target)} · characters ${target.start}–${target.end}`,
        ),
      ),
      body,
      renderNavigation(navigation),
    );
    this.root.hidden = false;
    this.backdrop.hidden = false;
    this.layout.classList.add('with-panel');
    heading.focus({ preventScroll: true });

    try {
      const file = await this.load(target);
      if (generation !== this.generation) return;
      const context = renderContext(file, target);
      if (file.format === 'pdf' && file.pages && target.page !== undefined)
        body.replaceChildren(...this.renderPdf(file, target, context, generation));
      else body.replaceChildren(...context);
      const mark = body.querySelector('mark');
      mark?.scrollIntoView({ block: 'center' });
    } catch (error) {
      if (generation !== this.generation) return;
      this.cache.delete(`${target.sourceId}:${target.start}:${target.end}`);
      const message =
        error instanceof ApiError && error.code === 'invalid_request'
          ? 'This file has changed since the answer was written; the cited characters are no longer there. Ask again to get a fresh citation.'
          : error instanceof ApiError && error.code === 'not_found'
            ? 'This file is no longer in the index.'
            : error instanceof ConnectionError
              ? 'Could not reach the server to open the file.'
              : `Could not open the file: ${error instanceof Error ? error.message : String(error)}`;
      body.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, message));
    }
  }

  close(): void {
    if (this.root.hidden) return;
    this.generation++;
    this.root.hidden = true;
    this.backdrop.hidden = true;
    this.layout.classList.remove('with-panel');
    this.root.replaceChildren();
    this.onClose();
    const restore = this.returnFocus;
    this.returnFocus = undefined;
    restore?.();
  }

  /**
   * A PDF citation: the original page drawn by pdf.js with the quote marked in its text layer,
   * and a toggle to the extracted text (`context`). The view chosen last is kept for the next one.
   */
  private renderPdf(
    file: SourceText,
    target: SourceTarget,
    context: HTMLElement[],
    generation: number,
  ): HTMLElement[] {
    const pageView = h('div', { class: 'pdf-view', 'aria-label': `Page ${target.page} of ${file.source}` });
    const textView = h('div', { class: 'pdf-text-view' }, ...context);
    const toggle = h('button', { type: 'button', class: 'ghost-button pdf-toggle' });
    const apply = () => {
      pageView.hidden = !this.showPdfPage;
      textView.hidden = this.showPdfPage;
      toggle.textContent = this.showPdfPage ? 'Show extracted text' : 'Show the page';
      toggle.setAttribute('aria-pressed', String(!this.showPdfPage));
    };
    toggle.addEventListener('click', () => {
      this.showPdfPage = !this.showPdfPage;
      apply();
      (this.showPdfPage ? pageView : textView).querySelector('mark')?.scrollIntoView({ block: 'center' });
    });
    apply();
    pageView.append(h('p', { class: 'panel-loading', role: 'status' }, `Drawing page ${target.page}…`));
    const page = target.page!;
    const pageStart = file.pages![page - 1] ?? 0;
    let original = this.originals.get(target.sourceId);
    if (!original) {
      original = fetchOriginal(target.sourceId);
      this.originals.set(target.sourceId, original);
    }
    void Promise.all([original, import('./pdf-view.js')])
      .then(([data, { renderPdfPage }]) =>
        generation === this.generation
          ? renderPdfPage(pageView, {
              // pdf.js takes the buffer it is given; the cached one stays whole.
              data: data.slice(0),
              page,
              start: target.start - pageStart,
              end: target.end - pageStart,
              width: Math.max(280, this.root.clientWidth - 48),
            })
          : undefined,
      )
      .then((view) => {
        if (view && generation === this.generation && this.showPdfPage)
          pageView.querySelector('mark')?.scrollIntoView({ block: 'center' });
      })
      .catch((error: unknown) => {
        this.originals.delete(target.sourceId);
        if (generation !== this.generation) return;
        pageView.replaceChildren(
          h(
            'p',
            { class: 'panel-error', role: 'alert' },
            `Could not draw the page (${error instanceof Error ? error.message : String(error)}); the extracted text is shown instead.`,
          ),
        );
        this.showPdfPage = false;
        apply();
      });
    return [h('div', { class: 'pdf-toolbar' }, toggle), pageView, textView];
  }

  private load(target: SourceTarget): Promise<SourceText> {
    const key = `${target.sourceId}:${target.start}:${target.end}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = fetchSource(target.sourceId, target);
      this.cache.set(key, pending);
    }
    return pending;
  }
}

/**
 * The span in its surrounding text: `before <mark>span</mark> after`, as text nodes only. The server
 * sends only a window of a long source; offsets here are into the whole source.
 */
function renderContext(file: SourceText, target: SourceTarget): HTMLElement[] {
  const base = file.window.start;
  const slice = (from: number, to: number) => file.text.slice(from - base, to - base);
  let from = base;
  let to = file.window.end;
  if (to - from > WHOLE_FILE_CHARS) {
    from = Math.max(from, target.start - CONTEXT_CHARS);
    to = Math.min(to, target.end + CONTEXT_CHARS);
    // Start and end on line breaks so the window reads as whole paragraphs.
    const lineStart = file.text.indexOf('\n', from - base);
    if (from > 0 && lineStart >= 0 && lineStart + base < target.start) from = lineStart + base + 1;
    const lineEnd = file.text.lastIndexOf('\n', to - base) + base;
    if (to < file.length && lineEnd > target.end) to = lineEnd;
  }
  const cited = slice(target.start, target.end);
  const parts: HTMLElement[] = [];
  if (cited !== target.quote) {
    parts.push(
      h(
        'p',
        { class: 'panel-warning', role: 'note' },
        'The file has changed since this answer was written; the highlighted text is what is at those characters now.',
      ),
    );
  }
  parts.push(
    h(
      'div',
      { class: 'source-text', tabindex: '0', 'aria-label': `Text of ${file.source}` },
      from > 0 ? '…\n' : '',
      slice(from, target.start),
      h('mark', { class: target.kind === 'passage' ? 'passage-mark' : undefined }, cited),
      slice(target.end, to),
      to < file.length ? '\n…' : '',
    ),
  );
  return parts;
}

function renderNavigation(navigation: Navigation): HTMLElement {
  return h(
    'div',
    { class: 'panel-foot' },
    h(
      'button',
      {
        type: 'button',
        class: 'ghost-button',
        disabled: !navigation.previous,
        'aria-label': 'Previous footnote',
        onclick: () => navigation.previous?.(),
      },
      icon('previous'),
      'Previous',
    ),
    h('span', { class: 'panel-position' }, navigation.position),
    h(
      'button',
      {
        type: 'button',
        class: 'ghost-button',
        disabled: !navigation.next,
        'aria-label': 'Next footnote',
        onclick: () => navigation.next?.(),
      },
      'Next',
      icon('next'),
    ),
  );
}
