export { chunkDocument, defaultChunkingOptions, type ChunkDraft, type ChunkingOptions } from './chunk-document.js';
export { LineIndex } from './line-index.js';
export { segmentSentences, trimSpan, type SentenceSpan } from './segment-sentences.js';
