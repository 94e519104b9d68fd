import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { renderExample, renderPrompt } from '../src/infer/chat-template.js';
import { REFUSAL_TEXT } from '../src/data/actionplan.js';
import { encodePlanTurn, plannerConstraint } from '../src/infer/plan-turn.js';
import { KvCacheDecoder } from '../src/infer/decoder.js';
import { generate, OFF_GRAMMAR_TOKENS } from '../src/infer/generate.js';
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

  it('lays out control tokens, one descriptor per line after its slot, and the goal as DESIGN.md says', () => {
    const prompt = renderPrompt(tok, SURVEY_TOOLS, SURVEY_GOAL);
    const id = (n: string) => tok.specialId(n);
    expect(prompt.slice(0, 3)).toEqual([id('<|bos|>'), id('<|user_start|>'), id('<|tools_start|>')]);
    expect(prompt.slice(-2)).toEqual([id('<|user_end|>'), id('<|assistant_start|>')]);
    const toolsEnd = prompt.indexOf(id('<|tools_end|>'));
    const lines = tok.decode(prompt.slice(3, toolsEnd)).split('\n');
    expect(lines.map((l, k) => l.startsWith(`<|tool_${k}|>`))).toEqual(SURVEY_TOOLS.map(() => true));
    expect(lines.map((l) => JSON.parse(l.replace(/^<\|tool_\d\|>/, '')) as unknown)).toEqual(SURVEY_TOOLS);
    expect(tok.decode(prompt.slice(toolsEnd + 1, -2))).toBe(SURVEY_GOAL);
  });

  it('puts the loss on the model\'s choices only: plan or refuse, each tool\'s slot, values, whether more steps follow', () => {
    const plan = '{"steps":[{"tool":"LogReader.tail","args":{"source":"net","lines":20},"rationale":"Return the last lines of a log."}]}';
    const { tokens, lossMask, promptLength } = renderExample(tok, SURVEY_TOOLS, SURVEY_GOAL, plan);
    expect(promptLength).toBe(renderPrompt(tok, SURVEY_TOOLS, SURVEY_GOAL).length);
    expect([...lossMask.slice(0, promptLength)].every((m) => m === 0)).toBe(true);
    expect(tokens.at(-1)).toBe(tok.specialId('<|assistant_end|>'));
    expect(lossMask.at(-1)).toBe(0);
    const turn = tokens.slice(promptLength, -1);
    const slot = tok.specialId('<|tool_2|>');
    const spelt = turn.map((t) => (t === slot ? 'LogReader.tail' : tok.decode([t]))).join('');
    expect(spelt).toBe(plan);
    const chosen = turn.filter((_, i) => lossMask[promptLength + i]).map((t) => (t === slot ? '<slot>' : tok.decode([t])));
    expect(chosen.join('')).toBe('{<slot>net"20}]');
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

  async function run(tools: ToolDescriptor[], sampling: SamplingOptions, constrained: boolean, maxTokens = 600) {
    const prompt = renderPrompt(planner.tok, tools, SURVEY_GOAL);
    const decoder = new KvCacheDecoder(planner.model);
    try {
      return await generate(decoder, prompt, plannerConstraint(planner.tok, planner.trie, tools, SMALL_GRAMMAR), {
        maxTokens,
        vocabLimit: planner.tok.vocabSize,
        picker: new TokenPicker(sampling),
        constrain: constrained,
        encode: (t) => planner.tok.encode(t),
        spell: (id) => planner.tok.decodeBytes([id]),
      });
    } finally {
      decoder.dispose();
    }
  }

  it('greedy decoding is deterministic; the decoder writes the forced start, the model picks after it', async () => {
    const a = await run(SURVEY_TOOLS, GREEDY, false, 12);
    const b = await run(SURVEY_TOOLS, GREEDY, false, 12);
    expect(a.tokens).toEqual(b.tokens);
    const forced = planner.tok.encode('{"steps":[');
    expect(a.tokens.slice(0, forced.length)).toEqual(forced);
    const decoder = new KvCacheDecoder(planner.model);
    await decoder.feed(renderPrompt(planner.tok, SURVEY_TOOLS, SURVEY_GOAL));
    const first = await decoder.feed(forced);
    decoder.dispose();
    first.fill(-Infinity, planner.tok.vocabSize);
    expect(a.choices[0]!.id).toBe(argmax(first));
    expect(a.tokens[forced.length]).toBe(argmax(first));
  });

  it('seeded sampling is deterministic per seed and differs across seeds', async () => {
    const s = (seed: number) => run(SURVEY_TOOLS, { temperature: 1, topK: 50, seed }, false, 16);
    const [a, b, c] = [await s(1), await s(1), await s(2)];
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  it('constrained output always parses and validates against the tools, even from an untrained model', async () => {
    const toolSets: ToolDescriptor[][] = [SURVEY_TOOLS, ALL_TYPES];
    const samplings: SamplingOptions[] = [GREEDY, { temperature: 1, topK: 0, seed: 1 }, { temperature: 2, topK: 0, seed: 2 }, { temperature: 1, topK: 5, seed: 3 }];
    for (const tools of toolSets) {
      for (const sampling of samplings) {
        const g = await run(tools, sampling, true);
        expect(g.ended).toBe(true);
        const plan = parsePlan(g.text, 'generated');
        expect(validatePlanAgainst(plan, tools)).toEqual([]);
        // Rationales are the listed descriptions and a refusal is the decoder's sentence.
        for (const step of plan.steps) expect(step.rationale).toBe(tools.find((t) => t.name === step.tool)!.description);
        if (plan.refusal !== undefined) expect(plan.refusal).toBe(REFUSAL_TEXT);
        // Each pick is a probability among the allowed tokens.
        for (const c of g.choices) expect(c.probability).toBeGreaterThan(0);
      }
    }
  });

  it('training and decoding tokenize a plan alike: replaying its chosen tokens, the decoder writes exactly its training tokens', async () => {
    for (const sampling of [GREEDY, { temperature: 1, topK: 0, seed: 7 }, { temperature: 1, topK: 0, seed: 8 }]) {
      const text = (await run(ALL_TYPES, sampling, true)).text;
      const turn = encodePlanTurn(planner.tok, ALL_TYPES, text);
      const script = turn.tokens.filter((_, i) => turn.chosen[i]);
      // A picker that replays the training choices, each of which the mask must allow.
      const replay = { pick: (row: Float32Array) => (row[script[0]!]! > -Infinity ? script.shift()! : -1) };
      const decoder = new KvCacheDecoder(planner.model);
      const g = await generate(decoder, renderPrompt(planner.tok, ALL_TYPES, SURVEY_GOAL), plannerConstraint(planner.tok, planner.trie, ALL_TYPES, SMALL_GRAMMAR), {
        maxTokens: 600,
        vocabLimit: planner.tok.vocabSize,
        picker: replay,
        constrain: true,
        encode: (t) => planner.tok.encode(t),
        spell: (id) => planner.tok.decodeBytes([id]),
      });
      decoder.dispose();
      expect(g.text).toBe(text);
      expect(g.tokens).toEqual(turn.tokens);
    }
  });

  it('without the constraint the same model writes no plan', async () => {
    const g = await run(SURVEY_TOOLS, GREEDY, false, 40);
    expect(() => parsePlan(g.text, 'generated')).toThrow();
  });

  it('unconstrained, stops OFF_GRAMMAR_TOKENS tokens after the output leaves the grammar', async () => {
    const g = await run(SURVEY_TOOLS, GREEDY, false, 10_000);
    const constraint = plannerConstraint(planner.tok, planner.trie, SURVEY_TOOLS, SMALL_GRAMMAR);
    // The picks the grammar accepts, then the ones after it left: exactly OFF_GRAMMAR_TOKENS of those.
    let kept = 0;
    for (const c of g.choices) {
      if (!constraint.isChoice()) constraint.advanceForced();
      if (!constraint.accepts(c.id)) break;
      constraint.advance(c.id);
      kept += 1;
    }
    expect(g.ended).toBe(false);
    expect(g.choices.length - kept).toBe(OFF_GRAMMAR_TOKENS);
  });
});
