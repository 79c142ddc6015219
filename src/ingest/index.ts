export { findBoilerplate, isBoilerplateLine } from './boilerplate.js';
export { FORMAT_BY_EXTENSION, decodeText, extractText, looksBinary } from './extract-text.js';
export { ingestCorpus, sourceIdFor, type IngestOptions, type IngestPhase, type IngestReport } from './ingest-corpus.js';
export { readCorpus, type CorpusFile, type ReadCorpusOptions } from './read-corpus.js';
