import { describe, expect, it } from 'vitest';
import { planConfidence } from '../src/infer/confidence.js';
import type { Choice } from '../src/infer/generate.js';

const choice = (kind: Choice['kind'], probability: number): Choice => ({ kind, id: 0, probability });

describe('planConfidence', () => {
  it('is the product of every choice: plan or refuse, tools, argument values, go on or stop', () => {
    const c = planConfidence([choice('decision', 0.9), choice('tool', 0.5), choice('value', 0.7), choice('continue', 0.8), choice('tool', 0.4), choice('continue', 0.9)]);
    expect(c.decision).toBe(0.9);
    expect(c.tools).toEqual([0.5, 0.4]);
    expect(c.values).toEqual([0.7]);
    expect(c.overall).toBeCloseTo(0.9 * 0.5 * 0.7 * 0.8 * 0.4 * 0.9, 12);
  });

  it('takes one nat off for each value of the goal the plan leaves unused', () => {
    const choices = [choice('decision', 0.9), choice('tool', 0.5)];
    const c = planConfidence(choices, 2);
    expect(c.unusedValues).toBe(2);
    expect(c.overall).toBeCloseTo(planConfidence(choices).overall * Math.exp(-2), 12);
  });
});
