/**
 * The corpus dialog and the status pill in the header: which files are indexed, when, with
 * which embedder, and a button to re-ingest.
 */
import {
  ApiError,
  ConnectionError,
  fetchHealth,
  fetchSources,
  type Health,
  reingest,
  type SourceSummary,
} from './api.js';
import { append, byId, h, withCode } from './dom.js';

/** Why the corpus could not be shown. */
export interface CorpusProblem {
  title: string;
  message: string;
}

/** The dialog listing the corpus sources, with the re-ingest button. */
export class CorpusPanel {
  private readonly dialog = byId<HTMLDialogElement>('corpus-dialog');
  private readonly content = byId('corpus-content');
  private readonly summary = byId('corpus-summary');
  private readonly embedder = byId('corpus-embedder');
  private readonly pill = byId('corpus-button');
  private readonly ingestButton = byId<HTMLButtonElement>('reingest');
  private readonly ingestStatus = byId('reingest-status');
  health: Health | undefined;
  private sources: SourceSummary[] = [];
  private problem: CorpusProblem | undefined;

  /** `onChange` runs after every refresh, so the page can show or hide the no-index notice. */
  constructor(
    private readonly onChange: (health: Health | undefined, problem: CorpusProblem | undefined) => void,
  ) {
    this.pill.addEventListener('click', () => this.open());
    byId('corpus-close').addEventListener('click', () => this.dialog.close());
    this.ingestButton.addEventListener('click', () => void this.reingest());
    // A click on the backdrop (outside the dialog box) closes it.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.dialog.close();
    });
  }

  open(): void {
    if (!this.dialog.open) this.dialog.showModal();
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      let health = await fetchHealth();
      this.sources = [];
      if (health.status === 'ok') {
        // Asks for the API key if the server wants one; health then tells the details too.
        this.sources = await fetchSources();
        if (!health.corpus) health = await fetchHealth();
      }
      this.health = health;
      this.problem = undefined;
    } catch (error) {
      this.problem =
        error instanceof ConnectionError
          ? {
              title: 'Cannot reach the server',
              message: 'Could not reach the Footnote server. Check that it is running, then retry.',
            }
          : error instanceof ApiError && error.status === 401
            ? {
                title: 'API key needed',
                message:
                  'This server asks for an API key before it shows the corpus or answers. Retry to enter it.',
              }
            : {
                title: 'The server could not list the corpus',
                message: error instanceof Error ? error.message : String(error),
              };
    }
    this.render();
    this.onChange(this.health, this.problem);
  }

  private render(): void {
    const health = this.health;
    this.pill.classList.toggle('is-warning', Boolean(this.problem) || health?.status === 'no_index');
    this.embedder.textContent = '';
    if (this.problem) {
      this.summary.textContent = this.problem.title === 'API key needed' ? 'Locked' : 'Offline';
      this.content.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, this.problem.message));
      return;
    }
    if (!health) return;
    if (health.status === 'no_index') {
      this.summary.textContent = 'No index';
      this.content.replaceChildren();
      append(
        this.content,
        h('p', { class: 'corpus-empty' }, 'There is no index yet, so there is nothing to answer from.'),
        health.message &&
          health.message !== 'no index yet' &&
          h('p', { class: 'corpus-detail' }, 'The server says: ', ...withCode(health.message)),
        h(
          'p',
          { class: 'corpus-detail' },
          ...withCode(
            'Put text, Markdown or HTML files in the corpus folder and press Re-ingest (or run `footnote ingest`).',
          ),
        ),
      );
      return;
    }
    const files = health.corpus?.sources ?? this.sources.length;
    this.summary.textContent = `${files} file${files === 1 ? '' : 's'}`;
    this.embedder.textContent = health.embedder ? `· ${health.embedder}` : '';
    const created = health.index ? new Date(health.index.createdAt) : undefined;
    this.content.replaceChildren(
      h(
        'dl',
        { class: 'facts' },
        fact('Files', String(files)),
        health.corpus && fact('Passages', String(health.corpus.chunks)),
        created && fact('Indexed', `${formatDate(created)} (${formatAgo(created)})`),
        health.embedder && fact('Embedder', health.embedder),
        health.generator &&
          fact(
            'Answers',
            health.generator === 'extractive' ? 'extractive (quotes from the files)' : health.generator,
          ),
      ),
      this.sources.length === 0
        ? h(
            'p',
            { class: 'corpus-empty' },
            'The index holds no files. Add files to the corpus folder and re-ingest.',
          )
        : h(
            'ul',
            { class: 'file-list', 'aria-label': 'Indexed files' },
            ...this.sources.map((source) =>
              h(
                'li',
                {},
                h('span', { class: 'file-title' }, source.title || source.source),
                h('span', { class: 'file-name' }, source.source),
                h(
                  'span',
                  { class: 'file-meta' },
                  `${source.chunks} passage${source.chunks === 1 ? '' : 's'} · ${source.pages === undefined ? '' : `${source.pages} page${source.pages === 1 ? '' : 's'} · `}${formatSize(source.characters)} · ${source.format}`,
                ),
              ),
            ),
          ),
    );
  }

  private async reingest(): Promise<void> {
    this.ingestButton.disabled = true;
    this.ingestButton.setAttribute('aria-busy', 'true');
    this.ingestStatus.textContent = 'Re-ingesting the corpus…';
    try {
      const result = await reingest();
      const changes = [
        `${result.added.length} added`,
        `${result.changed.length} changed`,
        `${result.removed.length} removed`,
        `${result.unchanged} unchanged`,
        ...(result.skipped ? [`${result.skipped} skipped`] : []),
      ];
      // One line per warning: every skipped file is named with the reason.
      this.ingestStatus.replaceChildren();
      append(
        this.ingestStatus,
        `Done in ${(result.durationMs / 1000).toFixed(1)} s: ${changes.join(', ')}.`,
        result.warnings.length > 0 &&
          h(
            'ul',
            { class: 'ingest-warnings', 'aria-label': 'Warnings' },
            ...result.warnings.map((warning) => h('li', {}, warning)),
          ),
      );
    } catch (error) {
      this.ingestStatus.textContent =
        error instanceof ApiError && error.status === 404
          ? 'Re-ingesting is not enabled on this server.'
          : `Re-ingest failed: ${error instanceof ConnectionError ? 'could not reach the server' : error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.ingestButton.disabled = false;
      this.ingestButton.removeAttribute('aria-busy');
    }
    await this.refresh();
  }
}

function fact(name: string, value: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(h('dt', {}, name), h('dd', {}, value));
  return fragment;
}

function formatDate(date: Date): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

function formatAgo(date: Date): string {
  const seconds = (date.getTime() - Date.now()) / 1000;
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units)
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  return 'just now';
}

function formatSize(characters: number): string {
  return characters < 1000 ? `${characters} characters` : `${(characters / 1000).toFixed(1)}k characters`;
}
