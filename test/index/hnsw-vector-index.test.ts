import { HnswVectorIndex } from '../../src/index/index.js';
import { runVectorIndexContract } from './vector-index.case.js';

runVectorIndexContract('HnswVectorIndex', {
  create: (dimensions, capacity) => HnswVectorIndex.create(dimensions, capacity),
  load: (directory, dimensions) => HnswVectorIndex.load(directory, dimensions),
});
