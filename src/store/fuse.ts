import type { FusionOptions } from './store.js';

/** A row of one store's ranking after fusion; `row` is the store's own key for the chunk. */
export interface FusedHit<Row> {
  row: Row;
  score: number;
  denseScore?: number;
  lexicalScore?: number;
}

/**
 * Combines a BM25 list and a dense list, each best first, into one ranking: each list's scores
 * are scaled by its best score and weighted (or reciprocal-rank fused). When one list is empty
 * the other counts alone. Ties keep `compare` order, so a ranking is reproducible.
 */
export function fuse<Row>(
  lexical: ReadonlyArray<{ id: Row; score: number }>,
  dense: ReadonlyArray<{ id: Row; score: number }>,
  options: Pick<FusionOptions, 'fusion' | 'lexicalWeight' | 'denseWeight' | 'rrfK'>,
  compare: (a: Row, b: Row) => number,
): FusedHit<Row>[] {
  const hits = new Map<Row, FusedHit<Row>>();
  const get = (row: Row) => {
    let hit = hits.get(row);
    if (!hit) {
      hit = { row, score: 0 };
      hits.set(row, hit);
    }
    return hit;
  };
  const onlyOne = lexical.length === 0 || dense.length === 0;
  const lexicalWeight = onlyOne ? 1 : options.lexicalWeight;
  const denseWeight = onlyOne ? 1 : options.denseWeight;
  const bestLexical = lexical[0]?.score ?? 1;
  lexical.forEach((entry, rank) => {
    const hit = get(entry.id);
    hit.lexicalScore = entry.score;
    hit.score +=
      options.fusion === 'rrf'
        ? lexicalWeight / (options.rrfK + rank + 1)
        : (lexicalWeight * entry.score) / bestLexical;
  });
  const bestDense = dense[0]?.score ?? 1;
  dense.forEach((entry, rank) => {
    const hit = get(entry.id);
    hit.denseScore = entry.score;
    hit.score +=
      options.fusion === 'rrf'
        ? denseWeight / (options.rrfK + rank + 1)
        : (denseWeight * Math.max(0, entry.score)) / Math.max(1e-9, bestDense);
  });
  return [...hits.values()].sort((a, b) => b.score - a.score || compare(a.row, b.row));
}
