export {
  answerContains,
  answerMatcher,
  type EvalReport,
  hitAtK,
  ndcgAtK,
  normalizeAnswer,
  percentile,
  type QuestionResult,
  reciprocalRank,
  summarize,
} from './metrics.js';
export { type EvalQuestion, type EvalTurn, evalQuestionSchema, loadQuestionSet } from './question-set.js';
export { type EvalRun, type RunEvalOptions, runEval } from './run-eval.js';
export { filterSplit, type Split, splitOf, splitOfQuestion } from './split.js';
export { loadSquad, type SquadDocument, type SquadSet, squadHoldout } from './squad.js';
