import { createHash } from 'node:crypto';

/**
 * Which half a question belongs to: `tune` when the first byte of SHA-256(key) is below 128,
 * else `report` (key: the question id, or the article title for SQuAD). Same rule as
 * `footnote eval --split`.
 */
export function splitOf(key: string): 'tune' | 'report' {
  return createHash('sha256').update(key).digest()[0]! < 128 ? 'tune' : 'report';
}
