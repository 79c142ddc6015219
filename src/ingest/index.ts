export { findBoilerplate, isBoilerplateLine } from './boilerplate.js';
export { decodeText, extractText, FORMAT_BY_EXTENSION, looksBinary } from './extract-text.js';
export {
  corpusRootOf,
  type IngestOptions,
  type IngestPhase,
  type IngestReport,
  ingestCorpus,
  sourceIdFor,
} from './ingest-corpus.js';
export { type CorpusFile, type ReadCorpusOptions, readCorpus } from './read-corpus.js';
export {
  type CorpusFileRead,
  defaultReadCorpusFileOptions,
  type ReadCorpusFileOptions,
  readCorpusFile,
} from './read-corpus-file.js';
