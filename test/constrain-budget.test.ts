import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { parsePlan, serializePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { UserError } from '../src/errors.js';
import { renderPrompt } from '../src/infer/chat-template.js';
import { COMPLETE, feedByte, feedBytes, initialState, minCompletionBytes, type PlanState } from '../src/infer/constrain/automaton.js';
import { PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { plannerConstraint } from '../src/infer/plan-turn.js';
import { PlanGrammar } from '../src/infer/constrain/plan-grammar.js';
import { KvCacheDecoder, type Decoder } from '../src/infer/decoder.js';
import { generate } from '../src/infer/generate.js';
import { runPlan } from '../src/infer/plan.js';
import { GREEDY, TokenPicker, type SamplingOptions } from '../src/infer/sampling.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { Prng } from '../src/util/prng.js';
import { ALL_TYPES, SURVEY_GOAL, SURVEY_TOOLS, VALID_PLANS } from './constrain-fixtures.js';
import { usePlannerVocab } from './helpers/planner-vocab.js';
import { scramble } from './model-fixtures.js';

/** The shortest plan of all: a one-character refusal. */
const SHORTEST_PLAN = '{"steps":[],"refusal":"x"}';

const vocab = usePlannerVocab();

/** Some byte lowers the cost by exactly one, and none by more: the definition of the fewest bytes left. */
function expectExactAt(state: PlanState): void {
  const cost = minCompletionBytes(state);
  if (state === COMPLETE) return expect(cost).toBe(0);
  let best = Infinity;
  for (let b = 0; b < 256; b++) {
    const next = feedByte(state, b);
    if (next) best = Math.min(best, minCompletionBytes(next));
  }
  expect(best).toBe(cost - 1);
}

describe('minCompletionBytes', () => {
  it('is the length of the shortest plan at the start, and 0 when complete', () => {
    for (const tools of [ALL_TYPES, SURVEY_TOOLS, []]) {
      expect(minCompletionBytes(initialState(new PlanGrammar(tools)))).toBe(SHORTEST_PLAN.length);
    }
    expect(minCompletionBytes(COMPLETE)).toBe(0);
  });

  it('counts the shortest way to finish a step: every arg with its shortest value', () => {
    const g = new PlanGrammar(ALL_TYPES);
    const state = feedBytes(initialState(g), new TextEncoder().encode('{"steps":[{"tool":"Blob.put"'))!;
    expect(minCompletionBytes(state)).toBe(',"args":{"key":"","data":"","tags":[]},"rationale":""}]}'.length);
  });

  it('drops by exactly one along the bytes of every valid plan and at random reachable states', () => {
    const g = new PlanGrammar(ALL_TYPES);
    for (const plan of VALID_PLANS) {
      let s: PlanState = initialState(g);
      for (const b of new TextEncoder().encode(serializePlan(plan, ALL_TYPES))) {
        expectExactAt(s);
        s = feedByte(s, b)!;
      }
      expectExactAt(s);
    }
    // Small bounds keep random byte walks short; with them every bound is reached somewhere.
    const small = new PlanGrammar(ALL_TYPES, { maxSteps: 3, maxRationaleChars: 4, maxTextChars: 4, maxListItems: 2 });
    const rng = new Prng('budget-walk');
    for (let walk = 0; walk < 30; walk++) {
      let s: PlanState = initialState(small);
      while (s !== COMPLETE) {
        expectExactAt(s);
        const options = [...Array(256).keys()].map((b) => feedByte(s, b)).filter((n): n is PlanState => n !== null);
        s = options[rng.nextU32() % options.length]!;
      }
    }
  });
});

describe('allowedTokens with a budget', () => {
  it('allows exactly the tokens after which the plan still completes in the picks left (brute force)', () => {
    const rng = new Prng('budget-mask');
    for (const tools of [ALL_TYPES, SURVEY_TOOLS]) {
      const c = new PlanConstraint(tools, vocab.trie);
      let budget = c.minTokensToEnd() + 6;
      let budgetMasks = 0;
      while (!c.isComplete()) {
        const before = c.stats.budgetMasks;
        const mask = c.allowedTokens(budget);
        if (c.stats.budgetMasks > before) budgetMasks++;
        const allowed: number[] = [];
        const wrong: number[] = [];
        for (let id = 0; id < vocab.trie.vocabSize; id++) {
          const bytes = vocab.trie.bytesOf(id);
          const next = bytes && feedBytes(c.state, bytes);
          const expected = next !== null && minCompletionBytes(next) <= budget - 2;
          if (expected !== (mask[id] === 1)) wrong.push(id);
          if (expected) allowed.push(id);
        }
        expect(wrong).toEqual([]);
        c.advance(allowed[rng.nextU32() % allowed.length]!);
        budget--;
      }
      expect(budgetMasks).toBeGreaterThan(0);
      expect(c.allowedTokens(budget)[vocab.trie.endId]).toBe(1);
    }
  });
});

/** A model stand-in whose logits are seeded noise: a random walk through whatever the mask allows. */
class NoiseDecoder implements Decoder {
  length = 0;
  private readonly rng: Prng;
  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    this.rng = new Prng(seed);
  }
  feed(tokens: readonly number[]): Promise<Float32Array> {
    this.length += tokens.length;
    if (this.length > this.capacity) throw new RangeError('over capacity');
    return Promise.resolve(Float32Array.from({ length: vocab.tok.vocabSize }, () => this.rng.next() * 8));
  }
  dispose(): void {}
}

function expectWholePlan(text: string, tools: ToolDescriptor[]): void {
  const plan = parsePlan(text, 'generated');
  expect(validatePlanAgainst(plan, tools)).toEqual([]);
}

function generateOptions(maxTokens: number, picker: TokenPicker) {
  return { maxTokens, vocabLimit: vocab.tok.vocabSize, picker, constrain: true, encode: (t: string) => vocab.tok.encode(t), spell: (id: number) => vocab.tok.decodeBytes([id]) };
}

describe('generation within a token budget', () => {
  it('random walks always end with a whole plan, whether maxTokens or the context is the limit', async () => {
    for (const tools of [ALL_TYPES, SURVEY_TOOLS]) {
      const needed = plannerConstraint(vocab.tok, vocab.trie, tools).minTokensToEnd();
      for (let extra = 0; extra < 40; extra += 3) {
        for (const byContext of [false, true]) {
          const budget = needed + extra;
          const prompt = [0];
          // The context holds the prompt and every token but the end token.
          const decoder = new NoiseDecoder(byContext ? prompt.length + budget - 1 : 10_000, extra * 7 + (byContext ? 1 : 0));
          const constraint = plannerConstraint(vocab.tok, vocab.trie, tools);
          const g = await generate(decoder, prompt, constraint, generateOptions(byContext ? 10_000 : budget, new TokenPicker({ temperature: 1, topK: 0, seed: extra })));
          expect(g.ended).toBe(true);
          expect(g.tokens.length + 1).toBeLessThanOrEqual(budget);
          expectWholePlan(g.text, tools);
        }
      }
    }
  });

  it('refuses to start when even the shortest plan cannot fit', async () => {
    const constraint = plannerConstraint(vocab.tok, vocab.trie, SURVEY_TOOLS);
    const needed = constraint.minTokensToEnd();
    const opts = generateOptions(needed - 1, new TokenPicker(GREEDY));
    await expect(generate(new NoiseDecoder(10_000, 1), [0], constraint, opts)).rejects.toThrow(`may need ${needed} more tokens, but only ${needed - 1} fit`);
  });

  describe('on an untrained model with the context nearly full', () => {
    let model: Gpt;
    let promptLength: number;
    const headroom = 12;
    beforeAll(async () => {
      await initBackend('cpu');
      promptLength = renderPrompt(vocab.tok, SURVEY_TOOLS, SURVEY_GOAL).length;
      const needed = plannerConstraint(vocab.tok, vocab.trie, SURVEY_TOOLS).minTokensToEnd();
      model = new Gpt(modelConfig({ depth: 1, seq_len: promptLength + needed + headroom }, vocab.tok.vocabSize), 5);
      scramble(model, 11);
    });
    afterAll(() => model.dispose());
    const planner = () => ({ model, tokenizer: vocab.tok, trie: vocab.trie, dir: 'test', step: 0, dispose: () => {} });

    it('every sampling ends with a whole plan', async () => {
      const samplings: SamplingOptions[] = [GREEDY, { temperature: 1, topK: 0, seed: 1 }, { temperature: 2, topK: 0, seed: 2 }, { temperature: 1, topK: 5, seed: 3 }];
      // The goal-copy bias only reorders allowed tokens, so it cannot break the budget either.
      const decodings = [...samplings.map((sampling) => ({ sampling, copyBias: 0, toolBias: 0 })), { sampling: GREEDY, copyBias: 50, toolBias: 0 }];
      for (const decoding of decodings) {
        const result = await runPlan(planner(), SURVEY_TOOLS, SURVEY_GOAL, { constrain: true, minConfidence: 0, ...decoding });
        expect(result.generation.ended).toBe(true);
        expectWholePlan(result.text, SURVEY_TOOLS);
      }
      // Also through the decoder that plan uses, to be sure the context (not maxTokens) was the limit.
      const decoder = new KvCacheDecoder(model);
      const prompt = renderPrompt(vocab.tok, SURVEY_TOOLS, SURVEY_GOAL);
      const g = await generate(decoder, prompt, plannerConstraint(vocab.tok, vocab.trie, SURVEY_TOOLS), generateOptions(10_000, new TokenPicker({ temperature: 2, topK: 0, seed: 4 })));
      decoder.dispose();
      expect(g.ended).toBe(true);
      expectWholePlan(g.text, SURVEY_TOOLS);
    });

    it('a goal that leaves less room than the shortest plan is a one-line UserError before generating', async () => {
      const longGoal = `${SURVEY_GOAL} ${'Then check it again. '.repeat(4)}`;
      const needed = plannerConstraint(vocab.tok, vocab.trie, SURVEY_TOOLS).minTokensToEnd();
      const run = () => runPlan(planner(), SURVEY_TOOLS, longGoal, { constrain: true, sampling: GREEDY, copyBias: 0, toolBias: 0, minConfidence: 0 }, 'case "x"');
      await expect(run()).rejects.toThrow(UserError);
      await expect(run()).rejects.toThrow(
        new RegExp(`^case "x": the tools and goal take \\d+ of the model's \\d+ context tokens, leaving \\d+, but a plan may need ${needed} \\(shorten the goal or list fewer tools\\)$`),
      );
    });
  });
});
