import { describe, expect, it } from 'vitest';
import { BoostedTrees, fitBoostedTrees } from '../../src/answer/boosted-trees.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('fitBoostedTrees', () => {
  it('learns an interaction no linear model can: label = (x0 > 0.5) XOR (x1 > 0.5)', () => {
    const random = generator(11);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let index = 0; index < 2000; index++) {
      const row = [random(), random(), random()];
      rows.push(row);
      labels.push(row[0]! > 0.5 !== row[1]! > 0.5 ? 1 : 0);
    }
    const model = new BoostedTrees(
      fitBoostedTrees(
        rows,
        labels,
        rows.map(() => 1),
      ),
    );
    const [a, b, c, d] = model.probabilities([
      [0.2, 0.2, 0.5],
      [0.8, 0.2, 0.5],
      [0.2, 0.8, 0.5],
      [0.8, 0.8, 0.5],
    ]);
    expect(a).toBeLessThan(0.1);
    expect(b).toBeGreaterThan(0.9);
    expect(c).toBeGreaterThan(0.9);
    expect(d).toBeLessThan(0.1);
  });

  it('starts from the weighted base rate and honours row weights', () => {
    // One feature that tells nothing: the prediction is the (weighted) share of positives.
    const rows = [[0], [0], [0], [0]];
    const labels = [1, 0, 0, 0];
    const plain = new BoostedTrees(fitBoostedTrees(rows, labels, [1, 1, 1, 1], { rounds: 0 }));
    expect(plain.probabilities([[0]])[0]).toBeCloseTo(0.25, 6);
    const weighted = new BoostedTrees(fitBoostedTrees(rows, labels, [3, 1, 1, 1], { rounds: 0 }));
    expect(weighted.probabilities([[0]])[0]).toBeCloseTo(0.5, 6);
  });

  it('gives the same probabilities after a JSON round trip', () => {
    const random = generator(5);
    const rows = Array.from({ length: 300 }, () => [random(), random()]);
    const labels = rows.map((row) => (row[0]! + 0.3 * row[1]! > 0.6 ? 1 : 0));
    const fitted = fitBoostedTrees(
      rows,
      labels,
      rows.map(() => 1),
      { rounds: 20 },
    );
    const restored = new BoostedTrees(JSON.parse(JSON.stringify(fitted)));
    expect(restored.probabilities(rows)).toEqual(new BoostedTrees(fitted).probabilities(rows));
  });
});
