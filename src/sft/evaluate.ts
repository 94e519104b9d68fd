import * as tf from '@tensorflow/tfjs';
import { supervisedPositions } from '../model/supervised.js';
import type { LossModel } from '../train/gradients.js';
import { restrictionBias } from '../train/target-restriction.js';
import type { SftExample } from './examples.js';
import { SftPacker } from './packing.js';

/**
 * Mean loss in nats per counted target (the model's choices in the plans) over every example, packed and
 * restricted as in training but in file order, so each evaluation of a run scores exactly the same tokens.
 * Null when no example has a counted target.
 */
export async function maskedLoss(
  model: LossModel,
  examples: readonly SftExample[],
  spec: { seqLen: number; rows: number; pad: number; excluded: Int32Array },
): Promise<number | null> {
  const vocab = model.params.get('lm_head')!.shape[1]!;
  const packer = new SftPacker(examples, { seqLen: spec.seqLen, pad: spec.pad, seed: null, singlePass: true, excluded: spec.excluded });
  let nats = 0;
  let counted = 0;
  for (let b = await packer.nextBatch(spec.rows); b !== null; b = await packer.nextBatch(spec.rows)) {
    const batch = b;
    const positions = supervisedPositions(batch.targets);
    if (positions === null) continue;
    const mean = tf.tidy(() =>
      model.loss(
        tf.tensor2d(batch.inputs, [batch.rows, batch.seqLen], 'int32'),
        tf.tensor2d(batch.targets, [batch.rows, batch.seqLen], 'int32'),
        tf.tensor1d(positions, 'int32'),
        tf.tensor2d(restrictionBias(batch.restriction!, positions, vocab), [positions.length, vocab]),
      ),
    );
    nats += (await mean.data())[0]! * positions.length;
    counted += positions.length;
    mean.dispose();
  }
  return counted === 0 ? null : nats / counted;
}
