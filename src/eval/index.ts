export {
  answerContains,
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
export { loadSquad, type SquadDocument, type SquadSet } from './squad.js';
