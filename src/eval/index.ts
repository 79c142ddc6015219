export { answerContains, hitAtK, ndcgAtK, normalizeAnswer, percentile, reciprocalRank, summarize, type EvalReport, type QuestionResult } from './metrics.js';
export { evalQuestionSchema, loadQuestionSet, type EvalQuestion, type EvalTurn } from './question-set.js';
export { runEval, type EvalRun, type RunEvalOptions } from './run-eval.js';
export { loadSquad, type SquadDocument, type SquadSet } from './squad.js';
