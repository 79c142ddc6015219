export { REFUSAL, ask, askStream, type AskContext, type AskRequest } from './ask.js';
export { citationFor, isCitationExact, lineAt } from './citations.js';
export { ExtractiveGenerator, defaultExtractiveOptions, selectSentences, type ExtractiveOptions } from './extractive-generator.js';
export { answerType, defaultEvidenceOptions, scoreEvidence, type EvidenceInput, type EvidenceOptions } from './score-evidence.js';
