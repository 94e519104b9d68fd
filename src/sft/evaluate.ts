import * as tf from '@tensorflow/tfjs';
import type { TokenLossModel } from '../train/evaluate.js';
import type { SftExample } from './examples.js';
import { SftPacker } from './packing.js';

/**
 * Mean loss in nats per counted target (plan tokens and <|assistant_end|>) over every example, packed
 * as in training but in file order, so each evaluation of a run scores exactly the same tokens.
 * Null when no example has a counted target.
 */
export async function maskedLoss(
  model: TokenLossModel,
  examples: readonly SftExample[],
  spec: { seqLen: number; rows: number; pad: number },
): Promise<number | null> {
  const packer = new SftPacker(examples, { seqLen: spec.seqLen, pad: spec.pad, seed: null, singlePass: true });
  let nats = 0;
  let counted = 0;
  for (let b = await packer.nextBatch(spec.rows); b !== null; b = await packer.nextBatch(spec.rows)) {
    const batch = b;
    const losses = tf.tidy(() =>
      model.tokenLosses(tf.tensor2d(batch.inputs, [batch.rows, batch.seqLen], 'int32'), tf.tensor2d(batch.targets, [batch.rows, batch.seqLen], 'int32')),
    );
    const values = await losses.data();
    losses.dispose();
    for (let i = 0; i < values.length; i++) {
      if (batch.targets[i]! < 0) continue;
      nats += values[i]!;
      counted += 1;
    }
  }
  return counted === 0 ? null : nats / counted;
}
