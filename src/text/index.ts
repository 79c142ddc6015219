export { analyze, STOP_WORDS } from './analyze.js';
export { LineIndex, lineAt } from './line-index.js';
