import { describe, expect, it } from 'vitest';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { concepts, ToolMatchBias } from '../src/infer/tool-match.js';

const tool = (name: string, description: string, params: Record<string, string> = {}): ToolDescriptor => ({
  name,
  description,
  params: Object.fromEntries(Object.entries(params).map(([k, type]) => [k, { type }])) as ToolDescriptor['params'],
});

const tools = [
  tool('Glorp.deleteWidget', 'Deletes a widget.', { widgetId: 'Text' }),
  tool('Glorp.createWidget', 'Creates a widget.', { widgetId: 'Text' }),
  tool('Timer.sleep', 'Waits before the next step.', { ms: 'UInt32' }),
  tool('Qzx.flip', 'Flips the qzx.', { on: 'Bool' }),
];
const SLOTS = [5, 6, 7, 8];
const best = (scores: number[]) => scores.indexOf(Math.max(...scores));

describe('concepts', () => {
  it('splits camelCase, drops stop words, and meets inflections and generic synonyms at one concept', () => {
    expect(concepts('deleteWidget')).toEqual(concepts('deleting the widgets'));
    expect(concepts('remove')).toEqual(concepts('Deletes'));
    expect(concepts('pause for 3 seconds')).toContain(concepts('delaySeconds')[1]);
    expect(concepts('ms')).toEqual(concepts('milliseconds'));
    expect(concepts('the of and then please')).toEqual([]);
  });
});

describe('ToolMatchBias', () => {
  it('prefers the tool the goal names in words, also in other words', () => {
    expect(best(new ToolMatchBias('flip the qzx', tools, 1, SLOTS).scores(''))).toBe(3);
    expect(best(new ToolMatchBias('remove widget w-7', tools, 1, SLOTS).scores(''))).toBe(0);
    expect(best(new ToolMatchBias('make a new widget called w-7', tools, 1, SLOTS).scores(''))).toBe(1);
    expect(best(new ToolMatchBias('pause for 300 ms', tools, 1, SLOTS).scores(''))).toBe(2);
  });

  it('words every listed tool shares decide nothing: only "remove" separates the two widget tools', () => {
    const scores = new ToolMatchBias('remove widget w-7', tools, 1, SLOTS).scores('');
    const shared = new ToolMatchBias('widget w-7', tools, 1, SLOTS).scores('');
    expect(shared[0]).toBeCloseTo(shared[1]!, 12);
    expect(scores[0]! - scores[1]!).toBeGreaterThan(0);
  });

  it('after a step, the concepts its tool matched count less, so the next step looks for the other clause', () => {
    const bias = new ToolMatchBias('delete the widget, then wait a second', tools, 1, SLOTS);
    const first = bias.scores('');
    const second = bias.scores('{"steps":[{"tool":"Glorp.deleteWidget","args":{"widgetId":"a"},"rationale":"Deletes a widget."},{"tool":"');
    expect(best(first)).toBe(0);
    expect(best(second)).toBe(2);
    expect(second[2]).toBe(first[2]);
  });

  it('adds weight × score to the listed slots only', () => {
    const bias = new ToolMatchBias('flip the qzx', tools, 2, SLOTS);
    const row = new Float32Array(10);
    bias.apply(row, '');
    const scores = bias.scores('');
    expect(Array.from(row.subarray(5, 9))).toEqual(scores.map((s) => Math.fround(2 * s)));
    expect(Array.from(row.subarray(0, 5)).concat(row[9]!)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts the clauses that use a listed tool\'s words as the steps asked for, and pulls the step count toward it', () => {
    const bias = new ToolMatchBias('Delete widget w-7, then wait 3 seconds and flip the qzx.', tools, 1, SLOTS);
    expect(bias.stepsAsked()).toBe(3);
    expect(new ToolMatchBias('Delete widget w-7 please.', tools, 1, SLOTS).stepsAsked()).toBe(1);
    const byte = (id: number) => id; // token id = its single byte, for the test
    const mask = new Uint8Array(128);
    mask[0x2c] = mask[0x5d] = 1;
    const pull = (written: string) => {
      const row = new Float32Array(128);
      bias.applyContinue(row, mask, byte, written);
      return row[0x2c]! - row[0x5d]!;
    };
    const step = '{"tool":"Glorp.deleteWidget","args":{"widgetId":"w-7"},"rationale":"Deletes a widget."}';
    expect(pull(`{"steps":[${step}`)).toBeGreaterThan(0);
    expect(pull(`{"steps":[${step},${step},${step}`)).toBeLessThan(0);
  });

  it('favours a refusal only when the goal shares no word with any listed tool', () => {
    const mask = new Uint8Array(128);
    mask[0x7b] = mask[0x5d] = 1;
    const decide = (goal: string) => {
      const row = new Float32Array(128);
      new ToolMatchBias(goal, tools, 1, SLOTS).applyDecision(row, mask, (id) => id);
      return row[0x5d]! - row[0x7b]!;
    };
    expect(decide('Bitte schalte das Licht aus.')).toBeGreaterThan(0);
    expect(decide('delete widget w-7')).toBe(0);
  });
});

