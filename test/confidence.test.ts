import { describe, expect, it } from 'vitest';
import { planConfidence } from '../src/infer/confidence.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import type { Choice } from '../src/infer/generate.js';
import { GoalReading } from '../src/infer/goal-reading.js';

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

  it('takes three nats off a plan that only reads where the goal asks for a change', () => {
    const choices = [choice('decision', 0.9), choice('tool', 0.5)];
    const c = planConfidence(choices, 0, true);
    expect(c.changeUnmet).toBe(true);
    expect(c.overall).toBeCloseTo(planConfidence(choices).overall * Math.exp(-3), 12);
  });
});

describe('GoalReading.changeUnmet', () => {
  const tool = (name: string, description: string): ToolDescriptor => ({ name, description, params: {} });
  const tickets = [tool('Tickets.getOrder', 'Returns an order.'), tool('Tickets.buyTickets', 'Buys tickets.'), tool('Tickets.listEvents', 'Lists events.')];
  const unmet = (goal: string, plan: string[]) => new GoalReading(goal, tickets).changeUnmet(plan);

  it('holds when the goal asks for more than reading and every step only reads', () => {
    expect(unmet('Upgrade the seats on order ORD-441 to the front row.', ['Tickets.getOrder'])).toBe(true);
    expect(unmet('Please pay the deposit on order ORD-441.', ['Tickets.getOrder', 'Tickets.listEvents'])).toBe(true);
  });

  it('reads the verb after polite words, and a method named by a noun as reading when its description says so', () => {
    const displays = [tool('Display.brightnessOf', 'Reports the current brightness of one display.'), tool('Display.list', 'Returns the names of all displays.')];
    const unmetHere = (goal: string, tools: ToolDescriptor[], plan: string[]) => new GoalReading(goal, tools).changeUnmet(plan);
    expect(unmetHere('I need you to update the brightness of display west to 51 percent.', displays, ['Display.brightnessOf'])).toBe(true);
    expect(unmetHere('Could you delete display west?', displays, ['Display.brightnessOf'])).toBe(true);
    expect(unmetHere('Could you tell me the brightness of display west?', displays, ['Display.brightnessOf'])).toBe(false);
    // "Return …" may give back as well as read: it says nothing of either.
    const embedder = [tool('Text.embed', 'Return the embedding of a text.')];
    expect(unmetHere('Could you embed the text "hello"?', embedder, ['Text.embed'])).toBe(false);
    const fans = [tool('FanControl.auto', 'Return every fan to automatic control.')];
    expect(unmetHere('Put the fans back on automatic.', fans, ['FanControl.auto'])).toBe(false);
  });

  it('does not hold for a request to read, a question, or a plan with a step that changes something', () => {
    expect(unmet('Show me order ORD-441.', ['Tickets.getOrder'])).toBe(false);
    expect(unmet("I'd like to know what order ORD-441 holds.", ['Tickets.getOrder'])).toBe(false);
    expect(unmet('Is order ORD-441 paid? Just tell me, do not buy anything.', ['Tickets.getOrder'])).toBe(false);
    expect(unmet('Upgrade the seats on order ORD-441.', ['Tickets.getOrder', 'Tickets.buyTickets'])).toBe(false);
    expect(unmet('Upgrade the seats on order ORD-441.', [])).toBe(false);
  });
});
