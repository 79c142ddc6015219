export { type AskRequest, ask, askStream, REFUSAL } from './ask.js';
export {
  type AnswerFacts,
  type AskContext,
  type AskOptions,
  createAskContext,
  defaultAskOptions,
  inverseDocumentFrequency,
} from './ask-context.js';
export { citationFor, isCitationExact } from './citations.js';
export {
  defaultExtractiveOptions,
  ExtractiveGenerator,
  type ExtractiveOptions,
  selectSentences,
} from './extractive-generator.js';
export {
  answerType,
  defaultEvidenceOptions,
  type EvidenceInput,
  type EvidenceOptions,
  scoreEvidence,
} from './score-evidence.js';
export type {
  Answer,
  AnswerStreamPart,
  AnswerTimings,
  Citation,
  GenerateInput,
  Generator,
  GeneratorPart,
  GeneratorVerdict,
  ScoredSentence,
} from './types.js';
