import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/answer/index.js';
import { expectExactCitations } from '../support/citations.js';
import { readSse } from '../support/sse.js';
import { buildTestIndex, temporaryDirectory } from '../support/test-index.js';
import { CORPUS, openApp, postJson } from './helpers.js';

/**
 * Text that is hard on offsets: characters outside the BMP (two UTF-16 units each), right-to-left
 * scripts with direction marks, combining marks that normalization would fold, NUL bytes, a BOM
 * and CRLF line ends. Every citation must still be the exact slice of its source text.
 */

const FILES: Record<string, string> = {
  'emoji.md': `# Mascots 🚀🦄\n\nOur team 👩‍👩‍👧‍👦 loves 🏳️‍🌈 flags and 🤖 robots 🎉🎉🎉.\n\n🦄🦄 The unicorn mascot Zyxwaltz was designed by Priya Ramanathan in 2019 🎨. It appears on every 📦 parcel.\n`,
  'rtl.txt': `\u202bשלום עולם, مرحبا بالعالم\u202c — a bilingual note.\n\nنص عربي قبل الجملة. The Qorvath bridge was built by engineer Tomasz Wielgosz in 1962. אחרי המשפט טקסט בעברית.\n`,
  'combining.txt': `Cafe\u0301 notes\n\nThe cafe\u0301 called Le Fe\u0301nix was opened by Ame\u0301lie Durand in 1999 in the town of Mo\u0308lln.\nZ\u0351\u0352\u0353\u0354a\u0355\u0356l\u0357g\u0358o text follows here.\n`,
  'crlf-bom.txt': `\ufeffHarbour log\r\n\r\nThe lighthouse at Skerrabay was automated by keeper Fionnlagh MacAskill in 1987.\r\nThe end.\r\n`,
  // A NUL late in a long file: not binary by the first 8 KB, so it is indexed with the NUL in it.
  'late-nul.txt': `${'Filler sentence about nothing in particular. '.repeat(200)}\n\nStray byte here: \u0000 end.\nThe Brennholt observatory was funded by Ingrid Solvang in 1974.\n`,
};

type App = Awaited<ReturnType<typeof openApp>>['app'];
let app: App;
let engine: Awaited<ReturnType<typeof openApp>>['engine'];
let warnings: string[];

beforeAll(async () => {
  const corpus = await temporaryDirectory('footnote-unicode-');
  for (const name of await fs.readdir(CORPUS))
    await fs.copyFile(path.join(CORPUS, name), path.join(corpus, name));
  for (const [name, text] of Object.entries(FILES)) await fs.writeFile(path.join(corpus, name), text, 'utf8');
  await fs.writeFile(
    path.join(corpus, 'early-nul.txt'),
    Buffer.from('The Vendramin prize\u0000 was won by nobody.', 'utf8'),
  );
  const built = await buildTestIndex(corpus);
  warnings = built.warnings;
  ({ app, engine } = await openApp({ indexDirectory: built.indexDirectory }));
});

describe('unicode in corpus files', () => {
  it('keeps every file byte-for-byte as decoded text (no normalization), and skips the one that looks binary', async () => {
    expect(warnings).toContain('skipped early-nul.txt: binary content');
    for (const [name, text] of Object.entries(FILES)) {
      const source = await engine.source(engine.store.manifest.files[name]?.id ?? '');
      expect(source, name).toBeDefined();
      // A leading BOM is not content; everything else must be kept exactly.
      expect(source!.text.replace(/^\ufeff/, '')).toBe(text.replace(/^\ufeff/, ''));
    }
  });

  it.each([
    ['Who designed the unicorn mascot Zyxwaltz?', 'emoji.md', 'Priya Ramanathan'],
    ['Who built the Qorvath bridge?', 'rtl.txt', 'Tomasz Wielgosz'],
    // The question avoids the accented words: "Fénix" typed (NFC) does not yet match "Fe\u0301nix" (NFD) lexically.
    ['Who opened the cafe in 1999?', 'combining.txt', 'Durand'],
    ['Who automated the lighthouse at Skerrabay?', 'crlf-bom.txt', 'Fionnlagh MacAskill'],
    ['Who funded the Brennholt observatory?', 'late-nul.txt', 'Ingrid Solvang'],
  ])('%s → cites %s exactly', async (question, file, name) => {
    const response = await postJson(app, '/api/ask', { question });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      answer: string;
      grounded: boolean;
      citations: Array<{
        sourceId: string;
        source: string;
        start: number;
        end: number;
        quote: string;
        line: number;
      }>;
    };
    expect(answer.grounded).toBe(true);
    expect(answer.answer).toContain(name);
    const cited = answer.citations.find((citation) => citation.source === file);
    expect(cited, JSON.stringify(answer.citations)).toBeDefined();
    expect(cited!.quote).toContain(name);
    await expectExactCitations(engine, answer.citations);
    // The span endpoint returns the very same characters.
    const span = (await (
      await app.request(`/api/sources/${cited!.sourceId}?start=${cited!.start}&end=${cited!.end}`)
    ).json()) as { span: { text: string; line: number } };
    expect(span.span.text).toBe(cited!.quote);
    expect(span.span.line).toBe(cited!.line);
  });
});

describe('unicode in questions', () => {
  it.each([
    ['emoji', '🦄 Who designed the unicorn mascot Zyxwaltz? 🤔👩‍👩‍👧‍👦'],
    ['right-to-left text and direction overrides', '\u202eمن بنى Who built the Qorvath bridge? מי בנה\u202c'],
    ['combining marks', 'Who\u0301 ope\u0301ned the cafe\u0301 Le Fe\u0301nix\u0308\u0308\u0308?'],
    ['NUL bytes', '\u0000Who funded the\u0000 Brennholt observatory?\u0000'],
    ['lone surrogates', '\ud800Who built the Qorvath bridge?\udfff'],
    ['zero-width characters', 'Who\u200b built\u200d the\ufeff Qorvath\u2060 bridge?'],
    ['only symbols', '🦄🦄🦄 ✨ 🎉'],
  ])(
    '%s: /api/ask and /api/chat answer without error and every citation is exact',
    async (_name, question) => {
      const response = await postJson(app, '/api/ask', { question });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as Answer;
      await expectExactCitations(engine, answer.citations);
      const stream = await postJson(app, '/api/chat', { messages: [{ role: 'user', content: question }] });
      expect(stream.status).toBe(200);
      const frames = await readSse(stream);
      expect(frames.map((frame) => frame.event)).not.toContain('error');
      const done = frames.find((frame) => frame.event === 'done');
      expect(done).toBeDefined();
      await expectExactCitations(engine, (JSON.parse(done!.data) as Answer).citations);
    },
  );
});
