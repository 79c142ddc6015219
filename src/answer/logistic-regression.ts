import { createRequire } from 'node:module';

/** A fitted logistic regression: P(y = 1 | x) = σ(w · x + b). */
export interface LogisticModel {
  weights: number[];
  bias: number;
}

/** How {@link fitLogistic} fits: its penalty and when it stops. */
export interface FitOptions {
  /** L2 penalty on the weights (not the bias). @default 0.01 */
  l2: number;
  /** Newton steps at most. @default 25 */
  iterations: number;
  /** Stop when no weight moves more than this. @default 1e-7 */
  tolerance: number;
}

/**
 * Fits an L2-regularised logistic regression by Newton's method (iteratively reweighted least
 * squares), with a weight per row. The linear algebra is ml-matrix's; the loop is written here
 * because ml-logistic-regression (the kept library for it) fits by fixed-step batch gradient
 * descent without an intercept, a penalty or row weights, and took 1.1 s per step on the
 * 40,000 × 17 ranker rows (measured), so the thousands of steps it needs would take hours.
 */
export function fitLogistic(
  rows: number[][],
  labels: number[],
  rowWeights: number[] = rows.map(() => 1),
  options: Partial<FitOptions> = {},
): LogisticModel {
  const { l2 = 0.01, iterations = 25, tolerance = 1e-7 } = options;
  // ml-matrix is loaded on the first fit (training only), off the server's start-up path.
  const { Matrix, solve } = createRequire(import.meta.url)('ml-matrix') as typeof import('ml-matrix');
  const columns = (rows[0]?.length ?? 0) + 1;
  let beta = new Array<number>(columns).fill(0);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Array<number>(columns).fill(0);
    const hessian = Array.from({ length: columns }, () => new Array<number>(columns).fill(0));
    rows.forEach((row, index) => {
      const x = [...row, 1];
      const p = sigmoid(dot(beta, x));
      const weight = rowWeights[index]!;
      const error = weight * (p - labels[index]!);
      const curvature = weight * p * (1 - p);
      for (let a = 0; a < columns; a++) {
        gradient[a]! += error * x[a]!;
        for (let b = a; b < columns; b++) hessian[a]![b]! += curvature * x[a]! * x[b]!;
      }
    });
    for (let a = 0; a < columns; a++) {
      for (let b = 0; b < a; b++) hessian[a]![b] = hessian[b]![a]!;
      if (a < columns - 1) {
        gradient[a]! += l2 * beta[a]!;
        hessian[a]![a]! += l2;
      } else hessian[a]![a]! += 1e-9;
    }
    const step = solve(new Matrix(hessian), Matrix.columnVector(gradient)).to1DArray();
    beta = beta.map((value, index) => value - step[index]!);
    if (Math.max(...step.map(Math.abs)) < tolerance) break;
  }
  return { weights: beta.slice(0, -1), bias: beta.at(-1)! };
}

/** P(y = 1) for one row. */
export function predictLogistic(model: LogisticModel, row: number[]): number {
  return sigmoid(dot(model.weights, row) + model.bias);
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index]! * (b[index] ?? 0);
  return sum;
}
