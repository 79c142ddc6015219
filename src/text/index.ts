export { analyze, STOP_WORDS } from './analyze.js';
export { LineIndex, lineAt } from './line-index.js';
export { describeLocation, locate, SourceLocator } from './locate.js';
export { oneLine } from './one-line.js';
