export {
  chooseEmbedder,
  defaultEmbedderChoiceOptions,
  type EmbedderChoiceOptions,
  type EmbedderProvider,
} from './create-embedder.js';
export { type EmbedManyOptions, embedMany } from './embed-many.js';
export {
  defaultGloveEmbedderOptions,
  GloveEmbedder,
  type GloveEmbedderOptions,
  normalize,
  type WordStatistics,
} from './glove-embedder.js';
export { type GloveVectors, loadGloveVectors } from './glove-vectors.js';
export {
  checkModelFiles,
  createTransformersEmbedder,
  findLocalTransformersModel,
} from './transformers-embedder.js';
