import { Bm25LexicalIndex } from '../../src/index/index.js';
import { runLexicalIndexContract } from './lexical-index.case.js';

runLexicalIndexContract('Bm25LexicalIndex', {
  create: () => Bm25LexicalIndex.create(),
  load: (directory) => Bm25LexicalIndex.load(directory),
});
