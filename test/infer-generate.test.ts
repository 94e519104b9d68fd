import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { renderExample, renderPrompt } from '../src/infer/chat-template.js';
import { PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { KvCacheDecoder } from '../src/infer/decoder.js';
import { generate } from '../src/infer/generate.js';
import { argmax, GREEDY, TokenPicker, type SamplingOptions } from '../src/infer/sampling.js';
import { loadTokenizer, type CapTokenizer } from '../src/tokenizer/tokenizer.js';
import { ALL_TYPES, SMALL_GRAMMAR, SURVEY_GOAL, SURVEY_TOOLS } from './constrain-fixtures.js';
import { useRandomPlanner } from './helpers/random-planner.js';

describe('chat template', () => {
  let tok: CapTokenizer;
  beforeAll(() => {
    tok = loadTokenizer();
  });
  afterAll(() => tok.free());

  it('lays out control tokens, one descriptor per line and the goal as DESIGN.md says', () => {
    const prompt = renderPrompt(tok, SURVEY_TOOLS, SURVEY_GOAL);
    const id = (n: string) => tok.specialId(n);
    expect(prompt.slice(0, 3)).toEqual([id('<|bos|>'), id('<|user_start|>'), id('<|tools_start|>')]);
    expect(prompt.slice(-2)).toEqual([id('<|user_end|>'), id('<|assistant_start|>')]);
    const toolsEnd = prompt.indexOf(id('<|tools_end|>'));
    expect(tok.decode(prompt.slice(3, toolsEnd)).split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(SURVEY_TOOLS);
    expect(tok.decode(prompt.slice(toolsEnd + 1, -2))).toBe(SURVEY_GOAL);
  });

  it('puts the loss on the plan and the end token only', () => {
    const plan = '{"steps":[{"tool":"NetworkStack.info","args":{},"rationale":"Check."}]}';
    const { tokens, lossMask } = renderExample(tok, SURVEY_TOOLS, SURVEY_GOAL, plan);
    const promptLength = renderPrompt(tok, SURVEY_TOOLS, SURVEY_GOAL).length;
    expect([...lossMask.slice(0, promptLength)].every((m) => m === 0)).toBe(true);
    expect([...lossMask.slice(promptLength)].every((m) => m === 1)).toBe(true);
    expect(tokens.at(-1)).toBe(tok.specialId('<|assistant_end|>'));
    expect(tok.decode(tokens.slice(promptLength, -1))).toBe(plan);
  });
});

describe('token picking', () => {
  const row = Float32Array.from([0.5, 3, -Infinity, 2.5, 1, -Infinity]);

  it('greedy is argmax; top-k keeps only the k best; masked ids are never picked', () => {
    expect(new TokenPicker(GREEDY).pick(row)).toBe(1);
    expect(argmax(Float32Array.from([-Infinity, -Infinity]))).toBe(-1);
    const top2 = new TokenPicker({ temperature: 5, topK: 2, seed: 1 });
    const all = new TokenPicker({ temperature: 5, topK: 0, seed: 1 });
    const seenTop2 = new Set<number>();
    const seenAll = new Set<number>();
    for (let i = 0; i < 300; i++) {
      seenTop2.add(top2.pick(row));
      seenAll.add(all.pick(row));
    }
    expect([...seenTop2].sort()).toEqual([1, 3]);
    expect([...seenAll].sort()).toEqual([0, 1, 3, 4]);
  });

  it('follows the softmax: at temperature 1 the odds of two tokens are e^(Δlogit)', () => {
    const picker = new TokenPicker({ temperature: 1, topK: 0, seed: 9 });
    const two = Float32Array.from([0, Math.log(3)]);
    let ones = 0;
    for (let i = 0; i < 4000; i++) ones += picker.pick(two);
    expect(ones / 4000).toBeGreaterThan(0.72);
    expect(ones / 4000).toBeLessThan(0.78);
  });
});

describe('generation on a random model', () => {
  const planner = useRandomPlanner();
  const endId = () => planner.tok.specialId('<|assistant_end|>');

  async function run(tools: ToolDescriptor[], sampling: SamplingOptions, constrained: boolean, maxTokens = 600, toolScript: string[] | null = null) {
    const prompt = renderPrompt(planner.tok, tools, SURVEY_GOAL);
    const decoder = new KvCacheDecoder(planner.model);
    try {
      return await generate(decoder, prompt, {
        maxTokens,
        endId: endId(),
        vocabLimit: planner.tok.vocabSize,
        picker: new TokenPicker(sampling),
        constraint: constrained ? new PlanConstraint(tools, planner.trie, { ...SMALL_GRAMMAR, toolScript }) : null,
      });
    } finally {
      decoder.dispose();
    }
  }

  it('greedy decoding is deterministic and starts with the argmax of the prompt logits', async () => {
    const a = await run(SURVEY_TOOLS, GREEDY, false, 12);
    const b = await run(SURVEY_TOOLS, GREEDY, false, 12);
    expect(a.tokens).toEqual(b.tokens);
    const decoder = new KvCacheDecoder(planner.model);
    const first = await decoder.feed(renderPrompt(planner.tok, SURVEY_TOOLS, SURVEY_GOAL));
    decoder.dispose();
    first.fill(-Infinity, planner.tok.vocabSize);
    expect(a.tokens[0]).toBe(argmax(first));
  });

  it('seeded sampling is deterministic per seed and differs across seeds', async () => {
    const s = (seed: number) => run(SURVEY_TOOLS, { temperature: 1, topK: 50, seed }, false, 16);
    const [a, b, c] = [await s(1), await s(1), await s(2)];
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  it('constrained output always parses and validates against the tools, even from an untrained model', async () => {
    const toolSets: ToolDescriptor[][] = [SURVEY_TOOLS, ALL_TYPES, []];
    const samplings: SamplingOptions[] = [GREEDY, { temperature: 1, topK: 0, seed: 1 }, { temperature: 2, topK: 0, seed: 2 }, { temperature: 1, topK: 5, seed: 3 }];
    for (const tools of toolSets) {
      for (const sampling of samplings) {
        const g = await run(tools, sampling, true);
        expect(g.ended).toBe(true);
        const text = planner.tok.decode(g.tokens);
        const plan = parsePlan(text, 'generated');
        expect(validatePlanAgainst(plan, tools)).toEqual([]);
        if (tools.length === 0) expect(plan.refusal).toBeDefined();
      }
    }
  });

  it('a tool script fixes the tools, in order, even when one tool comes back after another', async () => {
    const script = ['LogReader.tail', 'NetworkStack.info', 'LogReader.tail'];
    for (const sampling of [GREEDY, { temperature: 1, topK: 0, seed: 4 }]) {
      const g = await run(SURVEY_TOOLS, sampling, true, 600, script);
      expect(g.ended).toBe(true);
      const plan = parsePlan(planner.tok.decode(g.tokens), 'generated');
      expect(validatePlanAgainst(plan, SURVEY_TOOLS)).toEqual([]);
      expect(plan.steps.map((s) => s.tool)).toEqual(script);
    }
    const refusal = parsePlan(planner.tok.decode((await run(SURVEY_TOOLS, GREEDY, true, 600, [])).tokens), 'generated');
    expect(refusal.steps).toEqual([]);
    expect(refusal.refusal).toBeDefined();
  });

  it('without the constraint the same model writes no plan', async () => {
    const g = await run(SURVEY_TOOLS, GREEDY, false, 40);
    expect(() => parsePlan(planner.tok.decode(g.tokens), 'generated')).toThrow();
  });
});
