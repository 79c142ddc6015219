// PDF ingest speed (BENCHMARKS.md): generates a 200-page, two-column PDF with a running header
// and footer (pdfkit, as the tests do), then measures, three times each, text extraction alone
// (pdf.js layout, `extractPdf`) and a whole ingest from scratch (extraction, sentences, chunks,
// GloVe embeddings, HNSW and BM25, index written), and prints pages per second (median run).
//
//   npx tsx scripts/bench-pdf-ingest.ts [pages]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chooseEmbedder } from '../src/embed/index.js';
import { extractPdf } from '../src/ingest/extract-pdf.js';
import { ingestCorpus } from '../src/ingest/index.js';
import { makePdf, wrapLines } from '../test/support/make-documents.js';

const PAGES = Number(process.argv[2] ?? 200);
const RUNS = 3;
const LINES_PER_COLUMN = 44;

/** Deterministic prose: sentences of common words from a seeded generator, different on every page. */
function prose(seed: number, characters: number): string {
  const words =
    'the tenant landlord agrees to pay rent deposit month year property notice repair water heating council tax keys inventory garden parking insurance damage written consent period payment account bank transfer interest rate schedule clause party parties agreement term end start date furniture fittings kitchen bathroom window door floor wall paint smoke alarm gas safety certificate energy inspection access visit emergency contact address postcode'.split(
      ' ',
    );
  let state = seed * 2654435761;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  const sentences: string[] = [];
  let length = 0;
  while (length < characters) {
    const count = 8 + (next() % 14);
    const sentence = Array.from({ length: count }, () => words[next() % words.length]!).join(' ');
    const text = `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`;
    sentences.push(text);
    length += text.length + 1;
  }
  return sentences.join(' ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-bench-pdf-'));
try {
  const pages = Array.from({ length: PAGES }, (_, index) => ({
    left: wrapLines(prose(index * 2 + 1, LINES_PER_COLUMN * 40)).slice(0, LINES_PER_COLUMN),
    right: wrapLines(prose(index * 2 + 2, LINES_PER_COLUMN * 40)).slice(0, LINES_PER_COLUMN),
  }));
  const bytes = await makePdf({
    title: 'Benchmark lease',
    header: 'Elm Street Lettings Ltd - Assured Shorthold Tenancy',
    footer: 'Page {page} of {pages}',
    pages,
  });
  const corpusDirectory = path.join(temporary, 'corpus');
  await mkdir(corpusDirectory);
  await writeFile(path.join(corpusDirectory, 'lease.pdf'), bytes);

  const extractSeconds: number[] = [];
  let characters = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const extracted = await extractPdf(bytes);
    extractSeconds.push((performance.now() - started) / 1000);
    characters = extracted.text.length;
  }

  const embedder = chooseEmbedder({ embedder: 'glove' });
  // Load the word vectors once before timing, as BENCHMARKS.md's other ingest figures do.
  await ingestCorpus({ corpusDirectory, indexDirectory: path.join(temporary, 'warm'), embedder });
  const ingestSeconds: number[] = [];
  let chunks = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const report = await ingestCorpus({
      corpusDirectory,
      indexDirectory: path.join(temporary, `index-${run}`),
      embedder,
      rebuild: true,
    });
    ingestSeconds.push((performance.now() - started) / 1000);
    chunks = report.chunks;
  }

  const extract = median(extractSeconds);
  const ingest = median(ingestSeconds);
  console.log(
    JSON.stringify(
      {
        pages: PAGES,
        pdfBytes: bytes.length,
        characters,
        chunks,
        extractSeconds: extractSeconds.map((value) => Number(value.toFixed(2))),
        ingestSeconds: ingestSeconds.map((value) => Number(value.toFixed(2))),
        extractPagesPerSecond: Number((PAGES / extract).toFixed(1)),
        ingestPagesPerSecond: Number((PAGES / ingest).toFixed(1)),
      },
      null,
      2,
    ),
  );
} finally {
  await rm(temporary, { recursive: true, force: true });
}
