import path from 'node:path';
import { loadGloveVectors } from '../src/embed/index.js';

/** Converts the GloVe vectors to their binary cache once, before any test file needs them. */
export default async function setup(): Promise<void> {
  await loadGloveVectors(path.resolve('node_modules/.cache/footnote'), (message) => console.log(message));
}
