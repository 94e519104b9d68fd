import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import type { SftExample } from '../src/sft/examples.js';
import { IGNORE, SftPacker, WIDTH_ALIGN } from '../src/sft/packing.js';
import { microBatchGradients } from '../src/train/gradients.js';
import type { Batch } from '../src/train/loader.js';
import { RESTRICT } from '../src/train/target-restriction.js';
import { Prng } from '../src/util/prng.js';

const SEQ = 512;
const VOCAB = 512;
const PAD = 0;

/** An example of `length` random tokens whose plan (the counted targets) is its last third, some of them restricted. */
function example(rng: Prng, length: number): SftExample {
  const tokens = Int32Array.from({ length }, () => 1 + rng.int(VOCAB - 1));
  const mask = new Uint8Array(length);
  const codes = new Uint8Array(length);
  for (let i = Math.floor((2 * length) / 3); i < length; i++) {
    mask[i] = 1;
    codes[i] = rng.int(2) === 0 ? RESTRICT.any : RESTRICT.notExcluded;
  }
  return { tokens, mask, restriction: { codes, sets: [] } };
}

/** The batch as the packer built it before trimming: every row padded to SEQ (pad inputs, ignored targets). */
function fullWidth(b: Batch): Batch {
  const widen = (a: Int32Array, fill: number) => {
    const out = new Int32Array(b.rows * SEQ).fill(fill);
    for (let r = 0; r < b.rows; r++) out.set(a.subarray(r * b.seqLen, (r + 1) * b.seqLen), r * SEQ);
    return out;
  };
  return {
    inputs: widen(b.inputs, PAD),
    targets: widen(b.targets, IGNORE),
    rows: b.rows,
    seqLen: SEQ,
    restriction: { ...b.restriction!, codes: widen(b.restriction!.codes, RESTRICT.any) },
  };
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array(Float32Array.from(t.dataSync()).buffer);
}

describe('SFT batches as wide as their counted targets', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('give the loss and every gradient of the full-width batch, bit for bit, on fewer columns', async () => {
    const rng = new Prng(5);
    const examples = Array.from({ length: 12 }, () => example(rng, 60 + rng.int(200)));
    const packer = new SftPacker(examples, { seqLen: SEQ, pad: PAD, seed: 3, excluded: Int32Array.from([1, 2, 3]) });
    const model = new Gpt(modelConfig({ depth: 2, seq_len: SEQ }, VOCAB), 1);
    for (const v of model.params.values()) v.assign(tf.randomNormal(v.shape, 0, 0.08, 'float32', 3));
    const widths: number[] = [];
    for (let i = 0; i < 4; i++) {
      const trimmed = (await packer.nextBatch(2))!;
      widths.push(trimmed.seqLen);
      expect(trimmed.seqLen % WIDTH_ALIGN).toBe(0);
      const a = microBatchGradients(model, trimmed);
      const b = microBatchGradients(model, fullWidth(trimmed));
      expect(bits(a.value)).toEqual(bits(b.value));
      a.grads.forEach((g, j) => expect(bits(g), [...model.params.keys()][j]).toEqual(bits(b.grads[j]!)));
      tf.dispose([a.value, b.value, ...a.grads, ...b.grads]);
    }
    // Rows of 60–260-token examples leave padding: the batches are narrower than seqLen.
    expect(Math.min(...widths)).toBeLessThan(SEQ);
    model.dispose();
  });

  it('keep every counted target: the batch ends within WIDTH_ALIGN of its last one', async () => {
    const rng = new Prng(9);
    const examples = [example(rng, 100), example(rng, 450), example(rng, 70)];
    const packer = new SftPacker(examples, { seqLen: SEQ, pad: PAD, seed: null, singlePass: true });
    const widths: number[] = [];
    for (let b = await packer.nextBatch(1); b !== null; b = await packer.nextBatch(1)) {
      const last = b.targets.findLastIndex((t) => t !== IGNORE);
      expect(last).toBeGreaterThanOrEqual(b.seqLen - WIDTH_ALIGN);
      widths.push(b.seqLen);
    }
    // [100] alone (the 450 does not fit after it), then [450], then [70].
    expect(widths).toEqual([128, 480, 96]);
  });
});
