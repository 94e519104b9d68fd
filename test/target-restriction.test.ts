import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { renderExamples } from '../src/sft/examples.js';
import { SftPacker } from '../src/sft/packing.js';
import { slotIds } from '../src/infer/plan-turn.js';
import { chatByteTokenizer, tinyPlanLines } from './sft-fixtures.js';
import { microBatchGradients } from '../src/train/gradients.js';
import type { Batch } from '../src/train/loader.js';
import { RESTRICT, restrictionBias, type TargetRestriction } from '../src/train/target-restriction.js';
import { scramble, tinyModel } from './model-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const VOCAB = 64;
const T = 6;
/** Tokens 40–47 play the tool slots. */
const TOOLS = Int32Array.from([40, 41, 42, 43, 44, 45, 46, 47]);

function batchWith(restriction: Omit<TargetRestriction, 'excluded'> | null): Batch {
  const inputs = Int32Array.from({ length: 2 * T }, (_, i) => (i * 11 + 3) % VOCAB);
  // Row 0: a plain target, two tool choices, a plain target; row 1: one tool choice, an unrestricted one.
  const targets = Int32Array.from([-1, 7, 41, 44, 9, -1, -1, -1, 46, 30, 12, -1]);
  const batch: Batch = { inputs, targets, rows: 2, seqLen: T };
  if (restriction) batch.restriction = { ...restriction, excluded: TOOLS };
  return batch;
}

const CODES = Int32Array.from([0, 1, 2, 2, 1, 0, 0, 0, 3, 0, 1, 0]);
const SETS = [Int32Array.from([41, 44, 45]), Int32Array.from([46, 40])];

/** Cross-entropy of one row of logits over the `allowed` tokens only (all when null). */
function restrictedNats(row: Float32Array, target: number, allowed: ReadonlySet<number> | null): number {
  let sum = 0;
  row.forEach((z, t) => (allowed === null || allowed.has(t) ? (sum += Math.exp(z)) : 0));
  return Math.log(sum) - row[target]!;
}

describe('restricted target softmax (SFT asks each choice as the decoder does)', () => {
  it('equals the cross-entropy over each target’s allowed tokens, computed by hand from the logits', () => {
    const model = tinyModel({ depth: 1, vocab: VOCAB, seqLen: T });
    scramble(model);
    const batch = batchWith({ codes: CODES, sets: SETS });
    const { value, grads } = microBatchGradients(model, batch);
    const logits = model.logits(tf.tensor2d(batch.inputs, [2, T], 'int32'));
    const rows = logits.reshape([2 * T, VOCAB]).arraySync() as number[][];
    const noTools = new Set(Array.from({ length: VOCAB }, (_, t) => t).filter((t) => !TOOLS.includes(t)));
    let nats = 0;
    let counted = 0;
    batch.targets.forEach((target, p) => {
      if (target < 0) return;
      const code = CODES[p]!;
      const allowed = code === RESTRICT.any ? null : code === RESTRICT.notExcluded ? noTools : new Set(SETS[code - RESTRICT.firstSet]!);
      nats += restrictedNats(Float32Array.from(rows[p]!), target, allowed);
      counted += 1;
    });
    expect(value.dataSync()[0]).toBeCloseTo(nats / counted, 4);
    // A restriction changes the loss: without it the same batch scores differently.
    const plain = microBatchGradients(model, batchWith(null));
    expect(Math.abs(plain.value.dataSync()[0]! - value.dataSync()[0]!)).toBeGreaterThan(1e-3);
    tf.dispose([value, ...grads, plain.value, ...plain.grads, logits]);
    model.dispose();
  });

  it('gives a slot no gradient where it is excluded', () => {
    const model = tinyModel({ depth: 1, vocab: VOCAB, seqLen: T });
    scramble(model);
    const lmHeadIndex = [...model.params.keys()].indexOf('lm_head');
    const columnNorms = (g: tf.Tensor) => tf.tidy(() => tf.sum(tf.abs(g), 0).arraySync() as number[]);
    // As CODES, but the whole-vocabulary target (position 9) is tool-free here, so no target allows 42, 43 or 47.
    const codes = CODES.map((c, i) => (i === 9 ? RESTRICT.notExcluded : c));
    const restricted = microBatchGradients(model, batchWith({ codes, sets: SETS }));
    const norms = columnNorms(restricted.grads[lmHeadIndex]!);
    // 42, 43 and 47 are allowed nowhere: exactly 0.
    for (const t of [42, 43, 47]) expect(norms[t], `tool ${t}`).toBe(0);
    for (const t of [41, 44, 45, 46, 40]) expect(norms[t], `listed tool ${t}`).toBeGreaterThan(0);
    expect(norms[7]).toBeGreaterThan(0);
    tf.dispose([restricted.value, ...restricted.grads]);
    model.dispose();
  });

  it('builds bias rows: 0 where allowed, a value that underflows exp() elsewhere', () => {
    const r: TargetRestriction = { codes: Int32Array.from([0, 1, 2]), sets: [Int32Array.from([3])], excluded: Int32Array.from([2, 3]) };
    const bias = restrictionBias(r, Int32Array.from([0, 1, 2]), 5);
    expect(Array.from(bias.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(bias.subarray(5, 10)).map((b) => b < -100)).toEqual([false, false, true, true, false]);
    expect(Array.from(bias.subarray(10, 15)).map((b) => b < -100)).toEqual([true, true, true, false, true]);
    expect(Math.fround(Math.exp(15 + bias[5 + 2]!))).toBe(0);
  });
});

describe('choice sets and packing', () => {
  const tok = chatByteTokenizer();
  const slots = Int32Array.from(slotIds(tok));
  const code = (c: number) => c - RESTRICT.firstSet;

  it('asks a step\'s tool among the listed slots and plan-or-refuse between its two bytes; values range over all but the slots', () => {
    const lines = tinyPlanLines(1);
    const { examples } = renderExamples(tok, tok.vocabSize, lines, 400);
    const ex = examples[0]!;
    const targets = [...ex.tokens.keys()].filter((i) => ex.mask[i]);
    const setOf = (i: number) => (ex.restriction.codes[i]! >= RESTRICT.firstSet ? Array.from(ex.restriction.sets[code(ex.restriction.codes[i]!)]!) : ex.restriction.codes[i]);
    const brace = '{'.charCodeAt(0);
    const close = ']'.charCodeAt(0);
    // The plan's choices: `{` (plan, not refuse), the slot, the digits and `}` of the number, `]` (no more steps).
    expect(targets.map((i) => ex.tokens[i])).toEqual([brace, slots[0], ...Buffer.from(`${JSON.parse(lines[0]!.plan).steps[0].args.r}}`), close]);
    expect(setOf(targets[0]!)).toEqual([close, brace]);
    expect(setOf(targets[1]!)).toEqual([slots[0]]);
    expect(setOf(targets.at(-1)!)).toEqual([','.charCodeAt(0), close]);
    for (const i of targets.slice(2, -1)) expect(setOf(i)).toBe(RESTRICT.notExcluded);
  });

  it('packs each example\'s sets and points its targets at them, across rows', async () => {
    const lines = tinyPlanLines(3);
    const { examples } = renderExamples(tok, tok.vocabSize, lines, 400);
    const seqLen = examples[0]!.tokens.length + examples[1]!.tokens.length - 1;
    const packer = new SftPacker(examples, { seqLen, pad: 0, seed: null, singlePass: true, excluded: slots });
    const batch = (await packer.nextBatch(2))!;
    expect(batch.rows).toBe(2);
    const r = batch.restriction!;
    expect(r.sets).toHaveLength(examples.reduce((n, e) => n + e.restriction.sets.length, 0));
    const slotTargets = [...batch.targets.keys()].filter((i) => slots.includes(batch.targets[i]!));
    expect(slotTargets).toHaveLength(3);
    // Each slot target's set is its own example's listed slots, whichever row it landed in.
    for (const i of slotTargets) expect(Array.from(r.sets[r.codes[i]! - RESTRICT.firstSet]!)).toEqual([slots[0]]);
    expect(Array.from(r.excluded)).toEqual(Array.from(slots));
    // Without `excluded` the packer adds no restriction (plain language-model packing).
    expect((await new SftPacker(examples, { seqLen, pad: 0, seed: null, singlePass: true }).nextBatch(2))!.restriction).toBeUndefined();
  });
});
