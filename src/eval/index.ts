export { type AgNewsRow, agNewsDocument, loadAgNews, parseAgNews } from './ag-news.js';
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
  REPORT_METRICS,
  reciprocalRank,
  type SelectiveAnswering,
  selectiveAnswering,
  summarize,
  thinCurve,
} from './metrics.js';
export { type EvalQuestion, type EvalTurn, evalQuestionSchema, loadQuestionSet } from './question-set.js';
export { type RiskCoverageSeries, riskCoveragePlotSvg } from './risk-coverage-plot.js';
export { type EvalResult, type EvalRun, type RunEvalOptions, runEval } from './run-eval.js';
export { filterSplit, type Split, splitOf, splitOfQuestion } from './split.js';
export { loadSquad, prepareSquadCorpus, type SquadDocument, type SquadSet, squadHoldout } from './squad.js';
export { writeCorpusFiles } from './write-corpus-files.js';
