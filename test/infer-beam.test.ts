import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parsePlan, validatePlanAgainst } from '../src/data/actionplan.js';
import { renderPrompt } from '../src/infer/chat-template.js';
import { beamSearch, type BeamScorer } from '../src/infer/beam.js';
import { PlanConstraint } from '../src/infer/constrain/plan-constraint.js';
import { KvBeamDecoder, KvCacheDecoder, type Decoder } from '../src/infer/decoder.js';
import { generate } from '../src/infer/generate.js';
import { GREEDY, TokenPicker } from '../src/infer/sampling.js';
import { ALL_TYPES, SMALL_GRAMMAR, SURVEY_GOAL, SURVEY_TOOLS } from './constrain-fixtures.js';
import { useRandomPlanner } from './helpers/random-planner.js';

/**
 * A toy model whose next-token logits depend on the last token only (a table), with token END ending.
 * Small enough that every sequence can be enumerated, so the exact best one is known.
 */
const V = 4;
const END = 3;

function tableScorer(table: number[][], capacity = 64): BeamScorer & Decoder {
  let lasts: number[] = [];
  let fed = 0;
  const row = (last: number) => Float32Array.from(table[last]!);
  return {
    capacity,
    get length() {
      return fed;
    },
    async prefill(prompt) {
      fed = prompt.length;
      lasts = [prompt.at(-1)!];
      return row(lasts[0]!);
    },
    async extend(parents, tokens) {
      expect(parents.every((p) => p < lasts.length)).toBe(true);
      fed++;
      lasts = [...tokens];
      return lasts.map(row);
    },
    async feed(tokens) {
      fed += tokens.length;
      return row(tokens.at(-1)!);
    },
    dispose() {},
  };
}

function logSoftmax(row: readonly number[]): number[] {
  const lse = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
  return row.map((x) => x - lse);
}

/** The most likely sequence ending in END within maxTokens picks, by enumerating them all. */
function bestByEnumeration(table: number[][], start: number, maxTokens: number): { tokens: number[]; logprob: number } {
  const lp = table.map(logSoftmax);
  let best = { tokens: [] as number[], logprob: -Infinity };
  const walk = (last: number, tokens: number[], logprob: number) => {
    const end = logprob + lp[last]![END]!;
    if (end > best.logprob) best = { tokens, logprob: end };
    if (tokens.length + 1 >= maxTokens) return;
    for (let t = 0; t < V; t++) if (t !== END) walk(t, [...tokens, t], logprob + lp[last]![t]!);
  };
  walk(start, [], 0);
  return best;
}

/** Seeded table rows in [-2, 2), as float32 values so the enumeration sees what the scorer returns. */
function randomTable(seed: number): number[][] {
  let s = seed;
  const next = () => Math.fround(((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2);
  return Array.from({ length: V }, () => Array.from({ length: V }, next));
}

describe('beam search on a table model', () => {
  const opts = { maxTokens: 5, endId: END, vocabLimit: V };

  it('finds the greedy trap: a likely first token that leads nowhere', async () => {
    // From the prompt token 0: token 1 (logit 1) beats token 2 (0), but after 1 every continuation is flat,
    // while after 2 the end is near certain.
    const table = [
      [-9, 1, 0, -9],
      [0, 0, 0, 0],
      [-9, -9, -9, 9],
      [0, 0, 0, 0],
    ];
    const greedy = await generate(tableScorer(table), [0], { ...opts, picker: new TokenPicker(GREEDY) });
    expect(greedy.tokens[0]).toBe(1);
    const beam = await beamSearch(tableScorer(table), [0], { ...opts, width: 2 });
    expect(beam.tokens).toEqual([2]);
    expect(beam.ended).toBe(true);
    expect(beam.logprob).toBeCloseTo(bestByEnumeration(table, 0, opts.maxTokens).logprob, 10);
  });

  it('width 1 is greedy decoding, and a width covering every sequence is exact search', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const table = randomTable(seed);
      const greedy = await generate(tableScorer(table), [0], { ...opts, picker: new TokenPicker(GREEDY) });
      const one = await beamSearch(tableScorer(table), [0], { ...opts, width: 1 });
      expect(one.tokens).toEqual(greedy.tokens);
      expect(one.ended).toBe(greedy.ended);
      const exact = bestByEnumeration(table, 0, opts.maxTokens);
      const wide = await beamSearch(tableScorer(table), [0], { ...opts, width: V ** opts.maxTokens });
      expect(wide.ended).toBe(true);
      expect(wide.logprob).toBeCloseTo(exact.logprob, 10);
      expect(wide.tokens).toEqual(exact.tokens);
    }
  });

  it('stops at the token limit and at the context like greedy decoding, keeping the last pick', async () => {
    const never = [
      [5, 0, 0, -9],
      [5, 0, 0, -9],
      [5, 0, 0, -9],
      [0, 0, 0, 0],
    ];
    const byLimit = await beamSearch(tableScorer(never), [0], { ...opts, width: 3 });
    expect(byLimit).toMatchObject({ tokens: [0, 0, 0, 0, 0], ended: false });
    const greedy = await generate(tableScorer(never, 4), [0, 0], { ...opts, picker: new TokenPicker(GREEDY) });
    const byContext = await beamSearch(tableScorer(never, 4), [0, 0], { ...opts, width: 3 });
    expect(byContext.tokens).toEqual(greedy.tokens);
    expect(byContext.tokens).toHaveLength(3);
  });

  it('refuses a width that is not a positive integer', async () => {
    await expect(beamSearch(tableScorer(randomTable(1)), [0], { ...opts, width: 0 })).rejects.toThrow('beam width');
  });
});

describe('beam search on a random model', () => {
  const planner = useRandomPlanner();

  it('gathers each continuation its parent cache: the logits match a single-sequence decoder', async () => {
    const prompt = renderPrompt(planner.tok, SURVEY_TOOLS, SURVEY_GOAL);
    const beams = new KvBeamDecoder(planner.model);
    await beams.prefill(prompt);
    await beams.extend([0, 0], [100, 200]);
    const rows = await beams.extend([1, 0, 1], [300, 400, 500]);
    beams.dispose();
    const continuations = [[200, 300], [100, 400], [200, 500]];
    for (const [i, tail] of continuations.entries()) {
      const single = new KvCacheDecoder(planner.model);
      await single.feed(prompt);
      await single.feed([tail[0]!]);
      const expected = await single.feed([tail[1]!]);
      single.dispose();
      const got = rows[i]!;
      let maxDiff = 0;
      for (let j = 0; j < expected.length; j++) maxDiff = Math.max(maxDiff, Math.abs(got[j]! - expected[j]!));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('constrained beams always end in a valid plan, and leave no tensors behind', async () => {
    const { tok, trie } = planner;
    const endId = tok.specialId('<|assistant_end|>');
    for (const tools of [SURVEY_TOOLS, ALL_TYPES, []]) {
      const prompt = renderPrompt(tok, tools, SURVEY_GOAL);
      const run = async () => {
        const scorer = new KvBeamDecoder(planner.model);
        try {
          return await beamSearch(scorer, prompt, { width: 3, maxTokens: 300, endId, vocabLimit: tok.vocabSize, constraint: new PlanConstraint(tools, trie, SMALL_GRAMMAR) });
        } finally {
          scorer.dispose();
        }
      };
      const first = await run();
      const tensors = tf.memory().numTensors;
      const again = await run();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(again.tokens).toEqual(first.tokens);
      expect(first.ended).toBe(true);
      const plan = parsePlan(tok.decode(first.tokens), 'beam output');
      expect(validatePlanAgainst(plan, tools)).toEqual([]);
    }
  });
});
