export {
  ABSTAINER_FEATURES,
  type CandidateFeatures,
  isNonProse,
  type QuestionStatistics,
  questionFeatures,
  questionStatistics,
  RANKER_FEATURES,
} from './answer-features.js';
export {
  AnswerScorer,
  type AnswerScorerWeights,
  DEFAULT_SCORER_PATH,
  defaultAnswerScorer,
  LogisticScorer,
  type ScorerModel,
  standardize,
  type TreeScorerModel,
} from './answer-scorer.js';
export {
  type AnswerCandidates,
  type AskRequest,
  answerCandidates,
  ask,
  askStream,
  corpusKnowsAny,
  PARTIAL_PREFIX,
  REFUSAL,
  rankCandidates,
} from './ask.js';
export {
  type AnswerFacts,
  type AskContext,
  type AskOptions,
  createAskContext,
  defaultAskOptions,
  inverseDocumentFrequency,
} from './ask-context.js';
export {
  BoostedTrees,
  type BoostedTreesModel,
  type BoostingOptions,
  defaultBoostingOptions,
  fitBoostedTrees,
  type TreeNode,
} from './boosted-trees.js';
export { citationFor, isCitationExact } from './citations.js';
export {
  defaultExtractiveOptions,
  ExtractiveGenerator,
  type ExtractiveOptions,
  selectSentences,
} from './extractive-generator.js';
export {
  analyzeQuestion,
  type ExpectedType,
  expectedType,
  type QuestionAnalysis,
} from './question-analysis.js';
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
