/**
 * The original page of a cited PDF, drawn by pdf.js with its text layer, the quoted characters
 * marked in that layer. Loaded on demand (its own bundle, with pdf.js): the chat page's first
 * load never pays for it. pdf.js and its worker come from this server; nothing else is fetched.
 */
import { GlobalWorkerOptions, getDocument, TextLayer } from 'pdfjs-dist';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { type PdfTextItem, pdfPageText } from '../ingest/pdf-page-text.js';

/** Which page of which PDF to draw, and which characters of its text to mark. */
export interface PdfPageRequest {
  /** The PDF file's bytes (GET /api/sources/:id/file). */
  data: ArrayBuffer;
  /** 1-based page to show. */
  page: number;
  /** The quote, as offsets `[start, end)` into the text of that page (what `pdfPageText` makes of it). */
  start: number;
  end: number;
  /** CSS pixels the page is drawn across. */
  width: number;
}

/** What was drawn: the marked text, for checking against the quote. */
export interface PdfPageView {
  /** The marked text-layer spans' text, in order. */
  highlighted: string[];
  /** The page's text as Footnote extracted it (the same function the server ran). */
  pageText: string;
}

/** Where the build put pdf.js's worker (a `<meta>` in index.html). */
function workerSource(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="footnote-pdf-worker"]');
  if (!meta?.content) throw new Error('the page was built without the pdf.js worker');
  return meta.content;
}

/**
 * Draws one page into `container`: a canvas and, over it, pdf.js's text layer, in which the
 * characters of `[start, end)` are wrapped in `<mark>`. The text layer has one span per text
 * item, in item order, and `pdfPageText` says for every character of the page text which item
 * and which character of it it came from, so the marks cover exactly the quote.
 */
export async function renderPdfPage(container: HTMLElement, request: PdfPageRequest): Promise<PdfPageView> {
  GlobalWorkerOptions.workerSrc ||= workerSource();
  const task = getDocument({ data: new Uint8Array(request.data), isEvalSupported: false });
  const pdf = await task.promise;
  try {
    const page = await pdf.getPage(request.page);
    const unscaled = page.getViewport({ scale: 1 });
    const scale = request.width / unscaled.width;
    const viewport = page.getViewport({ scale });
    const pixelRatio = window.devicePixelRatio || 1;

    const canvas = document.createElement('canvas');
    canvas.className = 'pdf-canvas';
    canvas.width = Math.floor(viewport.width * pixelRatio);
    canvas.height = Math.floor(viewport.height * pixelRatio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const layer = document.createElement('div');
    layer.className = 'textLayer';
    const frame = document.createElement('div');
    frame.className = 'pdf-page';
    frame.style.setProperty('--scale-factor', String(scale));
    frame.style.width = `${Math.floor(viewport.width)}px`;
    frame.style.height = `${Math.floor(viewport.height)}px`;
    frame.append(canvas, layer);
    container.replaceChildren(frame);

    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser cannot draw on a canvas');
    await page.render({
      canvasContext: context,
      viewport,
      ...(pixelRatio === 1 ? {} : { transform: [pixelRatio, 0, 0, pixelRatio, 0, 0] }),
    }).promise;

    const content = await page.getTextContent();
    const textLayer = new TextLayer({ textContentSource: content, container: layer, viewport });
    await textLayer.render();
    const items = content.items.map(
      (item): PdfTextItem =>
        'str' in item ? (item as TextItem) : { str: '', transform: [], width: 0, height: 0 },
    );
    const laidOut = pdfPageText(items);
    const highlighted = markSpan(textLayer.textDivs, laidOut, request.start, request.end);
    page.cleanup();
    return { highlighted, pageText: laidOut.text };
  } finally {
    await pdf.destroy();
  }
}

/** Wraps, in each item's span, the characters of `[start, end)` that came from it. */
function markSpan(
  spans: HTMLElement[],
  laidOut: ReturnType<typeof pdfPageText>,
  start: number,
  end: number,
): string[] {
  const ranges = new Map<number, { from: number; to: number }>();
  for (let index = Math.max(0, start); index < Math.min(end, laidOut.text.length); index++) {
    const item = laidOut.itemOf[index]!;
    if (item < 0) continue;
    const offset = laidOut.offsetInItem[index]!;
    const range = ranges.get(item);
    if (range) {
      range.from = Math.min(range.from, offset);
      range.to = Math.max(range.to, offset + 1);
    } else ranges.set(item, { from: offset, to: offset + 1 });
  }
  const highlighted: string[] = [];
  for (const [item, { from, to }] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const span = spans[item];
    const text = span?.textContent ?? '';
    if (!span || to > text.length) continue;
    const mark = document.createElement('mark');
    mark.className = 'pdf-mark';
    mark.textContent = text.slice(from, to);
    span.replaceChildren(text.slice(0, from), mark, text.slice(to));
    highlighted.push(mark.textContent);
  }
  return highlighted;
}
