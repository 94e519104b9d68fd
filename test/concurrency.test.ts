import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../src/util/concurrency.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe('forEachConcurrently', () => {
  it('runs every item, never more than the limit at once, starting them in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await forEachConcurrently([0, 1, 2, 3, 4, 5, 6], 2, async (i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachConcurrently([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error('item 1 failed');
    });
    await expect(run).rejects.toThrow('item 1 failed');
    // 0 and 1 ran side by side, then 2 started when 0 finished; 1 failing stopped the rest.
    expect(started).toEqual([0, 1, 2]);
  });
});
