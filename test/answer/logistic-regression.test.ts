import { describe, expect, it } from 'vitest';
import { fitLogistic, predictLogistic } from '../../src/answer/logistic-regression.js';

describe('fitLogistic', () => {
  it('recovers the weights of data drawn from a known logistic model', () => {
    // Deterministic pseudo-random rows; labels from P(y=1) = σ(2·x0 − 1·x1 + 0.5).
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let index = 0; index < 4000; index++) {
      const row = [random() * 4 - 2, random() * 4 - 2];
      rows.push(row);
      const p = 1 / (1 + Math.exp(-(2 * row[0]! - row[1]! + 0.5)));
      labels.push(random() < p ? 1 : 0);
    }
    const model = fitLogistic(rows, labels, undefined, { l2: 0 });
    expect(model.weights[0]).toBeCloseTo(2, 0);
    expect(model.weights[1]).toBeCloseTo(-1, 0);
    expect(model.bias).toBeCloseTo(0.5, 0);
    expect(predictLogistic(model, [1, -1])).toBeGreaterThan(0.9);
  });

  it('counts a row with weight 2 like the row twice', () => {
    const rows = [[0], [1], [2], [3]];
    const labels = [0, 1, 0, 1];
    const weighted = fitLogistic(rows, labels, [1, 2, 1, 1]);
    const repeated = fitLogistic([...rows, [1]], [...labels, 1]);
    expect(weighted.weights[0]).toBeCloseTo(repeated.weights[0]!, 6);
    expect(weighted.bias).toBeCloseTo(repeated.bias, 6);
  });
});
