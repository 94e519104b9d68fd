import * as tf from '@tensorflow/tfjs';
import { BitsPerByte } from './bpb.js';
import { PackedLoader } from './loader.js';
import type { TokenSource } from './token-source.js';

export interface TokenLossModel {
  tokenLosses(inputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D;
}

export interface EvalSpec {
  seqLen: number;
  rows: number;
  bos: number;
  /** Validation tokens to score (rounded up to whole batches of rows × seqLen). */
  tokens: number;
  tokenBytes: Int32Array;
}

/**
 * Validation bits per byte over the first `tokens` tokens of `source`, packed like training data but
 * in source order, so every evaluation of a run scores the same tokens. Null when the source cannot
 * fill one batch.
 */
export async function validationBpb(model: TokenLossModel, source: TokenSource, spec: EvalSpec): Promise<number | null> {
  const bpb = new BitsPerByte(spec.tokenBytes);
  const loader = new PackedLoader(source, { seqLen: spec.seqLen, bos: spec.bos, seed: null, singlePass: true });
  const batches = Math.ceil(spec.tokens / (spec.rows * spec.seqLen));
  for (let i = 0; i < batches; i++) {
    const b = await loader.nextBatch(spec.rows);
    if (!b) break;
    const nats = tf.tidy(() =>
      model.tokenLosses(tf.tensor2d(b.inputs, [b.rows, b.seqLen], 'int32'), tf.tensor2d(b.targets, [b.rows, b.seqLen], 'int32')),
    );
    bpb.add(await nats.data(), b.targets);
    nats.dispose();
  }
  const value = bpb.value();
  return Number.isNaN(value) ? null : value;
}
