// Builds the chat page: bundles src/page/app.ts and styles.css with esbuild into dist/page/
// under content-hashed names (served as immutable), and writes index.html pointing at them.
// The PDF viewer (pdf.js) is a separate chunk the page imports only when a PDF citation is
// opened, and pdf.js's worker is bundled as its own file, named in index.html: both are
// served from the page's own origin, as the `script-src 'self'` policy requires.
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDirectory = path.join(root, 'src', 'page');
const outputDirectory = path.join(root, 'dist', 'page');
/** The budget for first-load JavaScript. */
const MAX_SCRIPT_BYTES = 100 * 1024;

await rm(outputDirectory, { recursive: true, force: true });
await mkdir(outputDirectory, { recursive: true });

const result = await build({
  entryPoints: {
    app: path.join(sourceDirectory, 'app.ts'),
    styles: path.join(sourceDirectory, 'styles.css'),
    'pdf-worker': path.join(root, 'node_modules', 'pdfjs-dist', 'build', 'pdf.worker.min.mjs'),
  },
  outdir: outputDirectory,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  splitting: true,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome105', 'firefox110', 'safari16'],
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

/** The output file (as a URL path) built from an entry point. */
const outputFor = (entry) => {
  const found = Object.entries(result.metafile.outputs).find(
    ([file, output]) => output.entryPoint?.endsWith(entry) && !file.endsWith('.map'),
  );
  if (!found) throw new Error(`esbuild produced no output for ${entry}`);
  return `/${path.basename(found[0])}`;
};
const script = outputFor('src/page/app.ts');
const styles = outputFor('src/page/styles.css');
const pdfWorker = outputFor('pdf.worker.min.mjs');

let html = await readFile(path.join(sourceDirectory, 'index.html'), 'utf8');
for (const [placeholder, actual] of [
  ['src="/app.js"', `src="${script}"`],
  ['href="/styles.css"', `href="${styles}"`],
  ['content="/pdf-worker.js"', `content="${pdfWorker}"`],
]) {
  if (!html.includes(placeholder)) throw new Error(`src/page/index.html must reference ${placeholder}`);
  html = html.replace(placeholder, actual);
}
await writeFile(path.join(outputDirectory, 'index.html'), html);
await copyFile(path.join(sourceDirectory, 'favicon.svg'), path.join(outputDirectory, 'favicon.svg'));

const scriptBytes = (await stat(path.join(outputDirectory, script))).size;
const styleBytes = (await stat(path.join(outputDirectory, styles))).size;
if (scriptBytes > MAX_SCRIPT_BYTES)
  throw new Error(`the page's JavaScript is ${scriptBytes} bytes, over the ${MAX_SCRIPT_BYTES}-byte budget`);
console.log(
  `chat page: ${script.slice(1)} ${(scriptBytes / 1024).toFixed(1)} KB, ${styles.slice(1)} ${(styleBytes / 1024).toFixed(1)} KB → dist/page/`,
);
