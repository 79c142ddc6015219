export { contextualQuery, defaultContextualQueryOptions, needsContext, type ContextualQuery, type ContextualQueryOptions } from './contextual-query.js';
export { HybridRetriever, defaultRetrieverOptions, fuse, type Retrieval, type RetrievalCorpus, type RetrieverMode, type RetrieverOptions } from './hybrid-retriever.js';
