import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestIndex, temporaryDirectory } from '../support/test-index.js';
import { CORPUS, expectError, openApp, postJson } from './helpers.js';

/**
 * Nothing but indexed sources can be read through the API: not by path tricks on
 * `/api/sources/:id`, and not by links in the corpus folder that point elsewhere.
 */

const SECRET = 'The vault combination is 31-41-59 and the password is hunter2-zebra.';

type App = Awaited<ReturnType<typeof openApp>>['app'];
let app: App;
let corpus: string;
let outside: string;
let warnings: string[];

beforeAll(async () => {
  corpus = await temporaryDirectory('footnote-corpus-');
  outside = await temporaryDirectory('footnote-outside-');
  for (const name of await fs.readdir(CORPUS))
    await fs.copyFile(path.join(CORPUS, name), path.join(corpus, name));
  await fs.writeFile(path.join(outside, 'secret.txt'), `Vault notes\n\n${SECRET}\n`);
  await fs.mkdir(path.join(outside, 'private'));
  await fs.writeFile(path.join(outside, 'private', 'diary.md'), `# Diary\n\n${SECRET}\n`);
  // Links out of the corpus: to a file, to a folder, and a relative one.
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(corpus, 'linked-secret.txt'));
  await fs.symlink(path.join(outside, 'private'), path.join(corpus, 'linked-folder'));
  await fs.symlink(
    path.relative(corpus, path.join(outside, 'secret.txt')),
    path.join(corpus, 'relative-link.txt'),
  );
  await fs.symlink('/etc/passwd', path.join(corpus, 'passwd.txt'));
  const built = await buildTestIndex(corpus);
  warnings = built.warnings;
  ({ app } = await openApp({ indexDirectory: built.indexDirectory }));
});

describe('symlinks in the corpus', () => {
  it('are skipped with a warning naming each one, never followed', () => {
    for (const name of ['linked-secret.txt', 'linked-folder', 'relative-link.txt', 'passwd.txt']) {
      expect(warnings).toContain(`skipped ${name}: symlink points outside the corpus directory`);
    }
  });

  it('so their targets are not sources and cannot be answered from', async () => {
    const listing = (await (await app.request('/api/sources')).json()) as {
      sources: Array<{ id: string; source: string }>;
    };
    expect(listing.sources.map((source) => source.source).sort()).toEqual((await fs.readdir(CORPUS)).sort());
    for (const { id } of listing.sources) {
      const text = await (await app.request(`/api/sources/${id}`)).text();
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('root:x:0:0');
    }
    const answer = (await (
      await postJson(app, '/api/ask', { question: 'What is the vault combination and the password?' })
    ).json()) as { answer: string; grounded: boolean };
    expect(answer.grounded).toBe(false);
    expect(JSON.stringify(answer)).not.toContain('hunter2');
  });
});

describe('/api/sources/:id path traversal', () => {
  const attempts = [
    '..',
    '../..',
    '../../../../etc/passwd',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '..%252F..%252Fetc%252Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%2Fetc%2Fpasswd',
    '/etc/passwd',
    '%2F%2Fetc%2Fpasswd',
    '....//....//etc/passwd',
    '..\\..\\..\\etc\\passwd',
    '..%5C..%5Cetc%5Cpasswd',
    'linked-secret.txt',
    'corpus%2F000_afbc1989c5fc68f0.txt',
    '000_afbc1989c5fc68f0.txt',
    'secret.txt%00.txt',
    '0123456789abcdef%00',
    '0123456789abcdef/../../etc/passwd',
    '~%2F.ssh%2Fid_rsa',
    'file:%2F%2F%2Fetc%2Fpasswd',
  ];

  it.each(attempts)('GET /api/sources/%s reads nothing outside the index', async (attempt) => {
    const response = await app.request(`/api/sources/${attempt}`);
    const text = await response.clone().text();
    expect(text).not.toContain('root:x:0:0');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('Clinton');
    expect(response.status).toBe(404);
    await expectError(response, 404, 'not_found');
  });

  it('the same tricks in the span query cannot widen what is read', async () => {
    const listing = (await (await app.request('/api/sources')).json()) as {
      sources: Array<{ id: string; characters: number }>;
    };
    const { id, characters } = listing.sources[0]!;
    for (const query of [
      'start=0&end=999999999',
      `start=-5&end=${characters}`,
      'start=0&end=1e9',
      'start[]=0&end=1',
    ]) {
      const response = await app.request(`/api/sources/${id}?${query}`);
      expect(response.status, query).toBe(400);
      await expectError(response, 400, 'invalid_request');
    }
  });
});
