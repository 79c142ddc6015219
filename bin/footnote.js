#!/usr/bin/env node
// Entry point for `npx footnote` and `npm start`: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('footnote: not built yet; run `npm ci` (or `npm run build`) in the Footnote folder\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
if (code !== 0) process.exit(code);
