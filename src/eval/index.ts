export {
  answerContains,
  answerMatcher,
  type CurvePoint,
  type EvalReport,
  hitAtK,
  isRight,
  ndcgAtK,
  normalizeAnswer,
  percentile,
  type QuestionResult,
  reciprocalRank,
  type SelectiveAnswering,
  selectiveAnswering,
  summarize,
  thinCurve,
} from './metrics.js';
export { type EvalQuestion, type EvalTurn, evalQuestionSchema, loadQuestionSet } from './question-set.js';
export { type EvalResult, type EvalRun, type RunEvalOptions, runEval } from './run-eval.js';
export { filterSplit, type Split, splitOf, splitOfQuestion } from './split.js';
export { loadSquad, type SquadDocument, type SquadSet, squadHoldout } from './squad.js';
