export {
  type FootnoteDocumentMetadata,
  FootnoteRetriever,
  type FootnoteRetrieverOptions,
} from './footnote-retriever.js';
