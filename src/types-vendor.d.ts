declare module 'wink-porter2-stemmer' {
  /** Porter2 stem of one lowercase word. */
  export default function stem(word: string): string;
}

declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  /** One binary classifier of the one-vs-all model: `testScores` gives P(not its class). */
  interface TwoClassModel {
    weights: Matrix;
    testScores(features: Matrix): number[];
  }

  /** Serialised form, as `toJSON` gives it. */
  export interface LogisticRegressionModel {
    name: 'LogisticRegression';
    numSteps: number;
    learningRate: number;
    numberClasses: number;
    classifiers: unknown[];
  }

  /** Logistic regression trained by batch gradient descent (one-vs-all over the classes). */
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: TwoClassModel[];
    train(features: Matrix, labels: Matrix): void;
    predict(features: Matrix): number[];
    toJSON(): LogisticRegressionModel;
    static load(model: LogisticRegressionModel): LogisticRegression;
  }
}
