import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { renderExamples } from '../src/sft/examples.js';
import { SftPacker } from '../src/sft/packing.js';
import { listedToolTokens, TARGET_CLASS, targetClasses } from '../src/sft/tool-targets.js';
import { microBatchGradients } from '../src/train/gradients.js';
import type { Batch } from '../src/train/loader.js';
import { RESTRICT, restrictionBias, type TargetRestriction } from '../src/train/target-restriction.js';
import { scramble, tinyModel } from './model-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const VOCAB = 64;
const T = 6;
/** Tokens 40–47 play the tool-name atoms. */
const TOOLS = Int32Array.from([40, 41, 42, 43, 44, 45, 46, 47]);

function batchWith(restriction: Omit<TargetRestriction, 'toolTokens' | 'freezeToolColumns'> | null, freeze = false): Batch {
  const inputs = Int32Array.from({ length: 2 * T }, (_, i) => (i * 11 + 3) % VOCAB);
  // Row 0: a plain target, two tool choices, a plain target; row 1: one tool choice, an unrestricted one.
  const targets = Int32Array.from([-1, 7, 41, 44, 9, -1, -1, -1, 46, 30, 12, -1]);
  const batch: Batch = { inputs, targets, rows: 2, seqLen: T };
  if (restriction) batch.restriction = { ...restriction, toolTokens: TOOLS, freezeToolColumns: freeze };
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

describe('restricted target softmax (SFT tool_loss)', () => {
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
      const allowed = code === RESTRICT.any ? null : code === RESTRICT.noTools ? noTools : new Set(SETS[code - RESTRICT.firstSet]!);
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

  it('gives a tool no gradient where it is excluded, and freezes tool columns on request', () => {
    const model = tinyModel({ depth: 1, vocab: VOCAB, seqLen: T });
    scramble(model);
    const lmHeadIndex = [...model.params.keys()].indexOf('lm_head');
    const columnNorms = (g: tf.Tensor) => tf.tidy(() => tf.sum(tf.abs(g), 0).arraySync() as number[]);
    // As CODES, but the whole-vocabulary target (position 9) is tool-free here, so no target allows 42, 43 or 47.
    const codes = CODES.map((c, i) => (i === 9 ? RESTRICT.noTools : c));
    const restricted = microBatchGradients(model, batchWith({ codes, sets: SETS }));
    const norms = columnNorms(restricted.grads[lmHeadIndex]!);
    // 42, 43 and 47 are allowed nowhere: exactly 0.
    for (const t of [42, 43, 47]) expect(norms[t], `tool ${t}`).toBe(0);
    for (const t of [41, 44, 45, 46, 40]) expect(norms[t], `listed tool ${t}`).toBeGreaterThan(0);
    expect(norms[7]).toBeGreaterThan(0);
    const frozen = microBatchGradients(model, batchWith({ codes, sets: SETS }, true));
    const frozenNorms = columnNorms(frozen.grads[lmHeadIndex]!);
    for (const t of TOOLS) expect(frozenNorms[t], `frozen tool ${t}`).toBe(0);
    expect(frozenNorms[7]).toBeCloseTo(norms[7]!, 6);
    tf.dispose([restricted.value, ...restricted.grads, frozen.value, ...frozen.grads]);
    model.dispose();
  });

  it('builds bias rows: 0 where allowed, a value that underflows exp() elsewhere', () => {
    const r: TargetRestriction = { codes: Int32Array.from([0, 1, 2]), sets: [Int32Array.from([3])], toolTokens: Int32Array.from([2, 3]), freezeToolColumns: false };
    const bias = restrictionBias(r, Int32Array.from([0, 1, 2]), 5);
    expect(Array.from(bias.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(bias.subarray(5, 10)).map((b) => b < -100)).toEqual([false, false, true, true, false]);
    expect(Array.from(bias.subarray(10, 15)).map((b) => b < -100)).toEqual([true, true, true, false, true]);
    expect(Math.fround(Math.exp(15 + bias[5 + 2]!))).toBe(0);
  });
});

describe('tool-target classes and packing', () => {
  /** A tokenizer whose "tools" A.x and B.y are single tokens 200 and 201; other text is bytes. */
  const tok = {
    encode: (text: string) =>
      text.split(/(A\.x|B\.y)/).flatMap((part) => (part === 'A.x' ? [200] : part === 'B.y' ? [201] : Array.from(Buffer.from(part, 'utf8')))),
    specialId: (name: string) => 250 + ['<|bos|>', '<|user_start|>', '<|user_end|>', '<|assistant_start|>', '<|assistant_end|>', '<|tools_start|>', '<|tools_end|>'].indexOf(name),
  };
  const toolTokens = new Set([200, 201, 202]);

  it('marks listed tool names in the plan as choices, other plan tokens as tool-free, the prompt as free', () => {
    const tokens = [1, 2, 200, 5, 201, 202, 6];
    const mask = Uint8Array.from([0, 0, 1, 1, 1, 1, 1]);
    const classes = targetClasses(tokens, mask, new Set([200, 201]), toolTokens);
    expect(Array.from(classes)).toEqual([0, 0, TARGET_CLASS.listed, TARGET_CLASS.noTools, TARGET_CLASS.listed, TARGET_CLASS.any, TARGET_CLASS.noTools]);
    expect(Array.from(listedToolTokens(tok, ['B.y', 'A.x', 'C.z'], toolTokens))).toEqual([200, 201]);
  });

  it('packs each example’s listed set and points its tool targets at it, across rows', async () => {
    const line = (tools: string[], tool: string) => ({
      tools: tools.map((name) => ({ name, description: 'd', params: {} })),
      goal: 'g',
      plan: `{"steps":[{"tool":"${tool}"`,
    });
    const lines = [line(['A.x', 'B.y'], 'B.y'), line(['A.x'], 'A.x'), line(['B.y'], 'B.y')];
    const { examples } = renderExamples(tok, 256, lines, 200, toolTokens);
    const seqLen = examples[0]!.tokens.length + examples[1]!.tokens.length - 1;
    const packer = new SftPacker(examples, { seqLen, pad: 0, seed: null, singlePass: true, restriction: { toolTokens: Int32Array.from(toolTokens), freezeToolColumns: false } });
    const batch = (await packer.nextBatch(2))!;
    expect(batch.rows).toBe(2);
    const r = batch.restriction!;
    expect(r.sets.map((s) => Array.from(s))).toEqual([[200, 201], [200], [201]]);
    const toolTargets = Array.from(batch.targets.keys()).filter((i) => toolTokens.has(batch.targets[i]!));
    expect(toolTargets.map((i) => [batch.targets[i], r.codes[i]])).toEqual([
      [201, RESTRICT.firstSet],
      [200, RESTRICT.firstSet + 1],
      [201, RESTRICT.firstSet + 2],
    ]);
    for (const [i, t] of batch.targets.entries()) if (t >= 0 && !toolTokens.has(t)) expect(r.codes[i], `target ${i}`).toBe(RESTRICT.noTools);
    // Without tool tokens the packer adds no restriction.
    const plain = renderExamples(tok, 256, lines, 200).examples;
    expect((await new SftPacker(plain, { seqLen, pad: 0, seed: null, singlePass: true }).nextBatch(2))!.restriction).toBeUndefined();
  });
});
