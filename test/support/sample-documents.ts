/**
 * A folder like a new user's: a tenancy agreement as a two-column PDF with a running header
 * and footer, an employee handbook in Word, Markdown, HTML and plain text, and files Footnote
 * does not read (each must be named in a warning).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeDocx, makePdf, wrapLines } from './make-documents.js';

export const LEASE_TITLE = 'Tenancy Agreement for 14 Elm Street';
export const LEASE_HEADER = 'Elm Street Lettings Ltd - Assured Shorthold Tenancy';
export const HANDBOOK_TITLE = 'Employee Handbook';

/** Page 2, left column: the rent, with "advance" hyphenated across a line break. */
export const RENT_LINES = [
  'The monthly rent is 1,250 pounds, payable in ad-',
  'vance by bank transfer on the first day of each',
  'calendar month to the account of the landlord.',
  'Late payment of the rent carries interest at',
  'three percent above the base rate.',
];
export const RENT_SENTENCE =
  'The monthly rent is 1,250 pounds, payable in advance by bank transfer on the first day of each calendar month to the account of the landlord.';
export const DEPOSIT_SENTENCE =
  'The tenant pays a deposit of 2,500 pounds, which the landlord protects in a government approved deposit scheme within thirty days.';

/** The lease: three pages, two columns each. */
export function makeLease(): Promise<Buffer> {
  return makePdf({
    title: LEASE_TITLE,
    header: LEASE_HEADER,
    footer: 'Page {page} of {pages}',
    pages: [
      {
        left: wrapLines(
          'This tenancy agreement is made between the landlord, Jane Smith, and the tenant, Tom Brown, on the date written below.',
        ),
        right: wrapLines(
          'The property is the furnished flat on the second floor of 14 Elm Street, Bristol, with its fittings.',
        ),
      },
      { left: RENT_LINES, right: wrapLines(DEPOSIT_SENTENCE) },
      {
        left: wrapLines(
          'Either party may end the tenancy by giving the other two months of notice in writing after the first six months.',
        ),
        right: wrapLines('The tenant must not keep pets or sublet any room without written consent.'),
      },
    ],
  });
}

export const PART_TIME_ROW = 'Contract: Part-time | Paid holiday per year: 15 days';

/** The handbook: headings on two levels, a list and a table with a header row. */
export function makeHandbook(): Promise<Buffer> {
  return makeDocx({
    title: HANDBOOK_TITLE,
    sections: [
      {
        heading: 'Working hours',
        level: 1,
        paragraphs: ['The office is open from eight in the morning until six in the evening on weekdays.'],
      },
      {
        heading: 'Leave',
        level: 1,
        paragraphs: ['This section sets out the leave that every employee is entitled to.'],
      },
      {
        heading: 'Paid holiday',
        level: 2,
        paragraphs: ['How much paid holiday you get depends on your contract, as the table below shows.'],
        bullets: [
          'Book holiday at least two weeks ahead in the staff calendar.',
          'Unused holiday of up to five days carries over to the next year.',
        ],
        table: [
          ['Contract', 'Paid holiday per year'],
          ['Full-time', '25 days'],
          ['Part-time', '15 days'],
        ],
      },
      {
        heading: 'Sick leave',
        level: 2,
        paragraphs: ['Tell your manager before ten in the morning on the first day of any sickness.'],
      },
    ],
  });
}

/** The HTML page, spread over many lines so its lines differ from the converted text's. */
export const GARDEN_HTML = `<!doctype html>
<html>
  <head>
    <title>Community garden rules</title>
    <style>p { color: green; }</style>
  </head>
  <body>
    <nav><a href="/">Home</a> <a href="/rules">Rules</a></nav>
    <h1>Community garden rules</h1>
    <p>
      Members water their own plots.
      The community garden gate is locked at nine in the evening by the warden.
    </p>
    <p>Compost bins are emptied on the last Saturday of each month.</p>
  </body>
</html>
`;

/** Writes the whole folder. */
export async function writeSampleFolder(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'lease.pdf'), await makeLease());
  await writeFile(path.join(directory, 'handbook.docx'), await makeHandbook());
  await writeFile(path.join(directory, 'garden.html'), GARDEN_HTML);
  await writeFile(
    path.join(directory, 'bikes.md'),
    '# Bicycle storage\n\nBicycles are stored in the shed behind building B, which has forty spaces.\n',
  );
  await writeFile(
    path.join(directory, 'parking.txt'),
    'Visitor parking\n\nVisitors park in the marked bays near the main entrance for up to three hours.\n',
  );
  await writeFile(
    path.join(directory, 'encrypted.pdf'),
    await makePdf({ userPassword: 'secret', pages: [{ left: ['A secret page.'], right: [] }] }),
  );
  await writeFile(
    path.join(directory, 'scan.pdf'),
    await makePdf({ imageOnly: true, pages: [{ left: [], right: [] }] }),
  );
  const lease = await makeLease();
  await writeFile(path.join(directory, 'damaged.pdf'), lease.subarray(0, Math.floor(lease.length / 2)));
  await writeFile(path.join(directory, 'broken.docx'), Buffer.from('PK\u0003\u0004 not really a Word file'));
  await writeFile(path.join(directory, 'slides.pptx'), Buffer.from('PK\u0003\u0004 not really slides'));
  await writeFile(path.join(directory, 'budget.xlsx'), Buffer.from('PK\u0003\u0004 not really a sheet'));
  await writeFile(path.join(directory, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  await writeFile(path.join(directory, 'tool.exe'), Buffer.from([0x4d, 0x5a, 0, 0]));
  await writeFile(path.join(directory, 'Makefile'), 'all:\n\techo hi\n');
}

/** The files of the folder Footnote must skip, each with the reason its warning gives. */
export const SKIPPED_FILES: Record<string, string> = {
  'encrypted.pdf': 'encrypted PDF',
  'scan.pdf': 'no text layer: needs OCR',
  'damaged.pdf': 'not a readable PDF',
  'broken.docx': 'not a readable Word file',
  'slides.pptx': 'unsupported format .pptx',
  'budget.xlsx': 'unsupported format .xlsx',
  'photo.png': 'unsupported format .png',
  'tool.exe': 'unsupported format .exe',
  Makefile: 'unsupported format (no extension)',
};
