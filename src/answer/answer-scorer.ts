import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FootnoteError } from '../errors.js';
import { ABSTAINER_FEATURES, RANKER_FEATURES } from './answer-features.js';
import { BoostedTrees, type BoostedTreesModel } from './boosted-trees.js';
import { type LogisticModel, predictLogistic } from './logistic-regression.js';

/** One trained logistic regression with the standardisation of its inputs. */
export interface ScorerModel {
  /** Feature names, in input order; must equal the code's list. */
  features: string[];
  /** Subtracted from each feature… */
  mean: number[];
  /** …which is then divided by this. */
  scale: number[];
  /** The logistic regression over the standardised features. */
  model: LogisticModel;
}

/** Gradient-boosted trees over the named features (trees need no standardisation). */
export interface TreeScorerModel {
  /** Feature names, in input order; must equal the code's list. */
  features: string[];
  model: BoostedTreesModel;
}

/** The committed weights file (`weights/answer-scorer.json`), written by `npm run train:answer-scorer`. */
export interface AnswerScorerWeights {
  formatVersion: 2;
  /** Which sentence answers: P(a sentence holds a gold answer). */
  ranker: ScorerModel;
  /** Whether any does: P(the question is answered by the corpus), the answer's `confidence`. */
  abstainer: TreeScorerModel;
  /** Confidence below which the question is refused. */
  threshold: number;
  /** Confidence below which the answer is given as "may answer" (`grounded: 'partial'`). */
  partialThreshold: number;
  /** Where the weights came from: data, sizes, commit, date and the tuning-curve figures. */
  training: Record<string, unknown>;
}

/** Where the committed weights live, relative to this module (same depth in `src/` and `dist/`). */
export const DEFAULT_SCORER_PATH = fileURLToPath(
  new URL('../../weights/answer-scorer.json', import.meta.url),
);

/** Applies a {@link ScorerModel} to feature rows. */
export class LogisticScorer {
  constructor(readonly spec: ScorerModel) {}

  /** P(label 1) for each row. */
  probabilities(rows: number[][]): number[] {
    return rows.map((row) => predictLogistic(this.spec.model, standardize(row, this.spec)));
  }
}

/** The row standardised the way the models are trained. */
export function standardize(row: number[], spec: Pick<ScorerModel, 'mean' | 'scale'>): number[] {
  return row.map((value, index) => (value - spec.mean[index]!) / (spec.scale[index] || 1));
}

/** The ranker and abstainer of one weights file. */
export class AnswerScorer {
  readonly ranker: LogisticScorer;
  readonly abstainer: BoostedTrees;

  constructor(readonly weights: AnswerScorerWeights) {
    if (weights.formatVersion !== 2) {
      throw new FootnoteError(
        'internal',
        `the answer scorer's weights have format ${String(weights.formatVersion)}, this code reads format 2; run \`npm run train:answer-scorer\``,
      );
    }
    checkFeatures('ranker', weights.ranker.features, RANKER_FEATURES);
    checkFeatures('abstainer', weights.abstainer.features, ABSTAINER_FEATURES);
    this.ranker = new LogisticScorer(weights.ranker);
    this.abstainer = new BoostedTrees(weights.abstainer.model);
  }

  /**
   * Reads a weights file.
   * @throws FootnoteError `internal` when it is missing, unreadable or made for other features.
   */
  static load(path: string = DEFAULT_SCORER_PATH): AnswerScorer {
    let weights: AnswerScorerWeights;
    try {
      weights = JSON.parse(readFileSync(path, 'utf8')) as AnswerScorerWeights;
    } catch (error) {
      throw new FootnoteError(
        'internal',
        `cannot read the answer scorer's weights ${path} (${(error as Error).message}); run \`npm run train:answer-scorer\``,
        { cause: error },
      );
    }
    return new AnswerScorer(weights);
  }
}

let shared: AnswerScorer | undefined;

/** The committed scorer, loaded once per process. */
export function defaultAnswerScorer(): AnswerScorer {
  shared ??= AnswerScorer.load();
  return shared;
}

function checkFeatures(which: string, found: string[], expected: readonly string[]): void {
  if (found.join(',') !== expected.join(',')) {
    throw new FootnoteError(
      'internal',
      `the answer scorer's ${which} was trained on features [${found.join(', ')}] but the code computes [${expected.join(', ')}]; run \`npm run train:answer-scorer\``,
    );
  }
}
