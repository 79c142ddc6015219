import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractText, findBoilerplate, isBoilerplateLine } from '../../src/ingest/index.js';

describe('boilerplate', () => {
  it('flags the icon-label line of 001 and nothing else in it', () => {
    const text = readFileSync('corpus/001_377b34821ee142f4.txt', 'utf8');
    const ranges = findBoilerplate(text);
    expect(ranges).toEqual([[0, text.indexOf('\n')]]);
  });

  it('flags copyright footers and bare URLs, not prose or headlines', () => {
    expect(
      isBoilerplateLine(
        'Copyright © 2012 Naharnet.com. All Rights Reserved. | https://naharnet.com/stories/en/28844 |',
      ),
    ).toBe(true);
    expect(isBoilerplateLine('https://example.com/some/page')).toBe(true);
    expect(isBoilerplateLine('Lavrov rebuffs Clinton call to turn screw on Syria')).toBe(false);
    expect(
      isBoilerplateLine(
        'The talks on the issue were productive, officials said on Monday after a long meeting in New York.',
      ),
    ).toBe(false);
  });

  it('takes titles from the first prose line, a Markdown heading, or the HTML <title>', () => {
    expect(
      extractText(
        'icon bookmark-bicon bookmarkicon cameraicon checkicon chevron downicon chevron lefticon chevron righticon chevron upicon closeicon\n\nReal headline\n\nBody.',
        'text',
      ).title,
    ).toBe('Real headline');
    expect(extractText('Some intro\n\n# The Heading\n\nBody text.', 'markdown').title).toBe('The Heading');
    const html = extractText(
      '<html><head><title>Page &amp; Title</title><script>var x = 1;</script></head><body><nav>Home | News</nav><h1>Big news</h1><p>First <b>bold</b> paragraph.</p></body></html>',
      'html',
    );
    expect(html.title).toBe('Page & Title');
    expect(html.text).toContain('First bold paragraph.');
    expect(html.text).not.toMatch(/<|var x|Home \| News/);
  });
});
