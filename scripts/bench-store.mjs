// Compares the stores on the BBC corpus (issue 12; see BENCHMARKS.md):
//   node --expose-gc scripts/bench-store.mjs <file|postgres://…> ingest   → BBC ingest from scratch
//   node --expose-gc scripts/bench-store.mjs <file|postgres://…>          → in-process ask p50/p95 on
//     200 BBC headline questions after 20 warm-up ones, then the process's RSS and heap.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(packageRoot, 'dist');
const { Engine } = await import(path.join(dist, 'engine.js'));
const { chooseEmbedder } = await import(path.join(dist, 'embed/index.js'));
const { chooseStore } = await import(path.join(dist, 'store/index.js'));
const { ingestCorpus } = await import(path.join(dist, 'ingest/index.js'));
const [which, mode] = process.argv.slice(2);
const root =
  process.env.BBC_ARTICLES ?? path.resolve(packageRoot, '..', 'shared', 'datasets', 'bbc', 'articles');
const files = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .flatMap((d) => readdirSync(path.join(root, d)).map((f) => path.join(root, d, f)))
  .sort();
const questions = [];
for (let i = 0; i < files.length && questions.length < 200; i += Math.floor(files.length / 200))
  questions.push(`What do we know about ${readFileSync(files[i], 'utf8').split('\n')[0].trim()}?`);
const embedder = chooseEmbedder({
  embedder: 'glove',
  cacheDirectory: path.join(packageRoot, 'node_modules', '.cache', 'footnote'),
});
const store = chooseStore({
  store: which,
  indexDirectory: path.join(os.tmpdir(), 'footnote-bench-store-bbc'),
  schema: 'bench_bbc',
});
if (mode === 'ingest') {
  const t = performance.now();
  const report = await ingestCorpus({ corpusDirectory: root, store, embedder, rebuild: true });
  console.log(
    which.startsWith('postgres') ? 'postgres' : 'file',
    'ingest',
    ((performance.now() - t) / 1000).toFixed(1),
    's',
    report.chunks,
    'chunks',
  );
  await store.close();
  process.exit(0);
}
const engine = await Engine.open({ store, embedder });
for (const q of questions.slice(0, 20)) await engine.ask({ question: q });
const times = [];
for (const q of questions) {
  const t = performance.now();
  await engine.ask({ question: q });
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
globalThis.gc?.();
const rss = process.memoryUsage().rss / 1e6;
console.log(
  which.startsWith('postgres') ? 'postgres' : 'file',
  'p50',
  times[100].toFixed(1),
  'p95',
  times[190].toFixed(1),
  'rss MB',
  rss.toFixed(0),
  'heap MB',
  (process.memoryUsage().heapUsed / 1e6).toFixed(0),
);
await store.close();
