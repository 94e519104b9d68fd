import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { FullPassDecoder, KvCacheDecoder } from '../src/infer/decoder.js';
import type { Gpt } from '../src/model/gpt.js';
import { scramble, tinyModel } from './model-fixtures.js';

const VOCAB = 128;
const SEQ = 24;
const sequence = Array.from({ length: SEQ }, (_, i) => (i * 37 + 11) % VOCAB);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('KV-cache decoding', () => {
  let model: Gpt;
  let full: Float32Array[];

  beforeAll(async () => {
    await initBackend('cpu');
    model = tinyModel({ depth: 2, vocab: VOCAB, seqLen: SEQ, seed: 3 });
    // Random output projections and lm_head: with the zero init every block would be the identity.
    scramble(model, 7);
    const logits = model.logits(tf.tensor2d(sequence, [1, SEQ], 'int32'));
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const v = model.dims.vocabSize;
    full = Array.from({ length: SEQ }, (_, t) => values.slice(t * v, (t + 1) * v));
  });
  afterAll(() => model.dispose());

  it('gives the full-pass logits at every position, one token at a time', async () => {
    const decoder = new KvCacheDecoder(model);
    let worst = 0;
    for (let t = 0; t < SEQ; t++) worst = Math.max(worst, maxAbsDiff(await decoder.feed([sequence[t]!]), full[t]!));
    decoder.dispose();
    expect(worst).toBeLessThan(1e-5);
    // The logits really depend on the context (so equality is not trivial).
    expect(maxAbsDiff(full[3]!, full[SEQ - 1]!)).toBeGreaterThan(1e-2);
  });

  it('gives the same logits after a multi-token prefill and steps, with flat tensor counts', async () => {
    const decoder = new KvCacheDecoder(model);
    const prefill = 9;
    let worst = maxAbsDiff(await decoder.feed(sequence.slice(0, prefill)), full[prefill - 1]!);
    const counts: number[] = [];
    for (let t = prefill; t < SEQ; t++) {
      worst = Math.max(worst, maxAbsDiff(await decoder.feed([sequence[t]!]), full[t]!));
      counts.push(tf.memory().numTensors);
    }
    expect(worst).toBeLessThan(1e-5);
    // One set of 2 tensors per layer is held, whatever the length.
    expect(new Set(counts).size).toBe(1);
    const held = counts[0]!;
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(held - 2 * model.dims.depth);
  });

  it('matches the full-pass decoder and refuses to run past the context', async () => {
    const cached = new KvCacheDecoder(model);
    const uncached = new FullPassDecoder(model);
    expect(maxAbsDiff(await cached.feed(sequence.slice(0, 5)), await uncached.feed(sequence.slice(0, 5)))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await cached.feed([1]), await uncached.feed([1]))).toBeLessThan(1e-5);
    await expect(cached.feed(new Array<number>(SEQ).fill(1))).rejects.toThrow(/exceeds the model's context/);
    cached.dispose();
    uncached.dispose();
  });
});
