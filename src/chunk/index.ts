export {
  type ChunkDraft,
  type ChunkingOptions,
  chunkDocument,
  defaultChunkingOptions,
} from './chunk-document.js';
export { type SentenceSpan, segmentSentences, trimSpan } from './segment-sentences.js';
