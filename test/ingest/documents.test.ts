/**
 * PDF and Word files as people have them, generated for real (pdfkit, docx), ingested with the
 * real pipeline and GloVe embedder, and asked about: answers, pages, heading paths and exact
 * offsets for every citation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/answer/index.js';
import { chooseEmbedder } from '../../src/embed/index.js';
import { Engine } from '../../src/engine.js';
import { type IngestReport, ingestCorpus } from '../../src/ingest/index.js';
import { describeLocation } from '../../src/text/index.js';
import type { SourceDocument } from '../../src/types.js';
import {
  DEPOSIT_SENTENCE,
  GARDEN_HTML,
  HANDBOOK_TITLE,
  LEASE_HEADER,
  LEASE_TITLE,
  PART_TIME_ROW,
  RENT_SENTENCE,
  SKIPPED_FILES,
  writeSampleFolder,
} from '../support/sample-documents.js';

let temporary: string;
let report: IngestReport;
let engine: Engine;
let sources: Map<string, SourceDocument>;
const warnings: string[] = [];

beforeAll(async () => {
  temporary = await mkdtemp(path.join(os.tmpdir(), 'footnote-documents-'));
  const corpusDirectory = path.join(temporary, 'corpus');
  await writeSampleFolder(corpusDirectory);
  const embedder = chooseEmbedder({ embedder: 'glove' });
  const indexDirectory = path.join(temporary, 'index');
  report = await ingestCorpus({
    corpusDirectory,
    indexDirectory,
    embedder,
    onWarning: (message) => warnings.push(message),
  });
  engine = await Engine.open({ indexDirectory, embedder });
  sources = await engine.store.getSources(Object.values(engine.store.manifest.files).map((file) => file.id));
});
afterAll(() => rm(temporary, { recursive: true, force: true }));

function sourceNamed(name: string): SourceDocument {
  const found = [...sources.values()].find((source) => source.source === name);
  if (!found) throw new Error(`${name} was not indexed`);
  return found;
}

/** Every citation quotes its source exactly, and its page / section / line is where the quote starts. */
function expectExactCitations(answer: Answer): void {
  expect(answer.citations.length).toBeGreaterThan(0);
  for (const citation of answer.citations) {
    const source = sources.get(citation.sourceId)!;
    expect(source.text.slice(citation.start, citation.end)).toBe(citation.quote);
    if (source.pages) {
      const page = source.pages.filter((start) => start <= citation.start).length;
      expect(citation.page).toBe(page);
    } else expect(citation.page).toBeUndefined();
  }
}

describe('a folder of PDF, Word, Markdown, HTML and text files', () => {
  it('indexes every supported file and names every other one in a warning, with a count', () => {
    expect([...report.added].sort()).toEqual([
      'bikes.md',
      'garden.html',
      'handbook.docx',
      'lease.pdf',
      'parking.txt',
    ]);
    expect(report.skipped).toBe(Object.keys(SKIPPED_FILES).length);
    for (const [file, reason] of Object.entries(SKIPPED_FILES)) {
      const lines = warnings.filter((warning) => warning.startsWith(`skipped ${file}:`));
      expect(lines, file).toHaveLength(1);
      expect(lines[0]).toContain(reason);
    }
  });

  it('takes titles from the documents themselves', () => {
    expect(sourceNamed('lease.pdf').title).toBe(LEASE_TITLE);
    expect(sourceNamed('handbook.docx').title).toBe(HANDBOOK_TITLE);
    expect(sourceNamed('garden.html').title).toBe('Community garden rules');
    expect(sourceNamed('bikes.md').title).toBe('Bicycle storage');
    expect(sourceNamed('parking.txt').title).toBe('Visitor parking');
  });

  it('reads the PDF in column order with the hyphenated word repaired, one page after another', () => {
    const lease = sourceNamed('lease.pdf');
    expect(lease.format).toBe('pdf');
    expect(lease.pages).toHaveLength(3);
    const page2 = lease.text.slice(lease.pages![1], lease.pages![2]);
    // The left column's paragraph is whole (not interleaved with the right column), then the right column.
    expect(page2).toContain(RENT_SENTENCE);
    expect(page2).toContain(DEPOSIT_SENTENCE);
    expect(page2.indexOf(RENT_SENTENCE)).toBeLessThan(page2.indexOf(DEPOSIT_SENTENCE));
    expect(lease.text).not.toContain('ad-');
  });

  it('marks the running header and footer of every page as boilerplate, and indexes none of it', async () => {
    const lease = sourceNamed('lease.pdf');
    const boilerplateText = lease.boilerplate.map(([start, end]) => lease.text.slice(start, end));
    expect(boilerplateText.filter((text) => text === LEASE_HEADER)).toHaveLength(3);
    for (const page of [1, 2, 3]) expect(boilerplateText).toContain(`Page ${page} of 3`);
    const chunks = await engine.store.getChunks(
      Array.from(
        { length: engine.store.manifest.files['lease.pdf']!.chunks },
        (_, ordinal) => `${lease.id}:${ordinal}`,
      ),
    );
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      expect(chunk.text).not.toContain(LEASE_HEADER);
      expect(chunk.text).not.toMatch(/Page \d of 3/);
      expect(chunk.page).toBe(lease.pages!.filter((start) => start <= chunk.start).length);
    }
  });

  it('answers from page 2 of the PDF with the page and exact offsets', async () => {
    const answer = await engine.ask({ question: 'What is the monthly rent?' });
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain('1,250 pounds');
    const first = answer.citations[0]!;
    expect(first.source).toBe('lease.pdf');
    expect(first.page).toBe(2);
    expect(first.quote).toBe(RENT_SENTENCE);
    expect(describeLocation(first)).toBe('p. 2');
    expectExactCitations(answer);

    const deposit = await engine.ask({ question: 'How much is the deposit the tenant pays?' });
    expect(deposit.citations[0]).toMatchObject({ source: 'lease.pdf', page: 2, quote: DEPOSIT_SENTENCE });
    expectExactCitations(deposit);
  });

  it('answers from a Word table row with the heading path', async () => {
    const answer = await engine.ask({
      question: 'How much paid holiday per year do part-time employees get?',
    });
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain('15 days');
    const first = answer.citations[0]!;
    expect(first).toMatchObject({
      source: 'handbook.docx',
      quote: PART_TIME_ROW,
      section: ['Leave', 'Paid holiday'],
    });
    expect(describeLocation(first)).toBe('§Leave › Paid holiday');
    expectExactCitations(answer);
  });

  it('keeps Word lists as items under their heading', async () => {
    const handbook = sourceNamed('handbook.docx');
    expect(handbook.text).toContain('• Book holiday at least two weeks ahead in the staff calendar.');
    const answer = await engine.ask({ question: 'How far ahead must holiday be booked?' });
    expect(answer.citations[0]).toMatchObject({
      source: 'handbook.docx',
      section: ['Leave', 'Paid holiday'],
    });
    expect(answer.citations[0]!.quote).toContain('two weeks ahead');
    expectExactCitations(answer);
  });

  it('gives an HTML citation the line of the original file', async () => {
    const answer = await engine.ask({ question: 'When is the community garden gate locked?' });
    const first = answer.citations[0]!;
    expect(first.source).toBe('garden.html');
    expect(first.quote).toContain('nine in the evening');
    const html = await readFile(path.join(temporary, 'corpus', 'garden.html'), 'utf8');
    const originalLine = html.split('\n')[first.line - 1]!;
    expect(originalLine).toContain(first.quote.split(' ').slice(0, 4).join(' '));
    expect(GARDEN_HTML.split('\n').findIndex((line) => line.includes('gate is locked')) + 1).toBe(first.line);
    expectExactCitations(answer);
  });
});
