export {
  type ContextualQuery,
  type ContextualQueryOptions,
  contextualQuery,
  defaultContextualQueryOptions,
  namesIn,
  needsContext,
} from './contextual-query.js';
export {
  defaultRetrieverOptions,
  fuse,
  HybridRetriever,
  type Retrieval,
  type RetrievalCorpus,
  type RetrieverMode,
  type RetrieverOptions,
} from './hybrid-retriever.js';
