import { runGeneratorContract } from './generator.case.js';

runGeneratorContract('ExtractiveGenerator', (extractive) => extractive);
