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
  HybridRetriever,
  type Retrieval,
  type RetrieverMode,
  type RetrieverOptions,
} from './hybrid-retriever.js';
