import { describe, expect, it } from 'vitest';
import { chooseWorkerCount } from '../../src/server/index.js';

describe('chooseWorkerCount', () => {
  it('runs one worker per core when memory allows', () => {
    const choice = chooseWorkerCount({ cores: 2, workerRss: 300e6, availableMemory: 4e9 });
    expect(choice.count).toBe(2);
    expect(choice.reason).toMatch(
      /^one per core \(2\); the first worker holds 300 MB .* 4\.0 GB .* room for 10 more/,
    );
  });

  it('runs fewer workers than cores when their indexes would not fit, and says why', () => {
    // 3/4 of 5 GB holds one more 2 GB worker, not seven.
    const choice = chooseWorkerCount({ cores: 8, workerRss: 2e9, availableMemory: 5e9 });
    expect(choice.count).toBe(2);
    expect(choice.reason).toMatch(/fewer than the 8 cores because .* room for 1 more/);
    expect(chooseWorkerCount({ cores: 8, workerRss: 2e9, availableMemory: 1e9 }).count).toBe(1);
  });

  it('keeps a count the operator asked for, warning when it will not fit', () => {
    const fits = chooseWorkerCount({ requested: 3, cores: 2, workerRss: 300e6, availableMemory: 4e9 });
    expect(fits).toEqual({ count: 3, reason: 'as asked (--workers or FOOTNOTE_WORKERS)' });
    const tight = chooseWorkerCount({ requested: 4, cores: 8, workerRss: 2e9, availableMemory: 5e9 });
    expect(tight.count).toBe(4);
    expect(tight.warning).toMatch(/^4 workers may not fit in memory/);
  });
});
