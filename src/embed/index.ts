export { chooseEmbedder, defaultEmbedderChoiceOptions, type EmbedderChoiceOptions, type EmbedderProvider } from './create-embedder.js';
export { embedMany, type EmbedManyOptions } from './embed-many.js';
export { GloveEmbedder, defaultGloveEmbedderOptions, normalize, type GloveEmbedderOptions, type WordStatistics } from './glove-embedder.js';
export { loadGloveVectors, type GloveVectors } from './glove-vectors.js';
export { checkModelFiles, createTransformersEmbedder, findLocalTransformersModel } from './transformers-embedder.js';
