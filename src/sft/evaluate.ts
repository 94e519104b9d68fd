import { countedTargets } from '../model/supervised.js';
import { microBatchLoss, type GradientHelpers, type LossModel } from '../train/gradients.js';
import type { Batch } from '../train/loader.js';
import type { SftExample } from './examples.js';
import { SftPacker } from './packing.js';

/**
 * Mean loss in nats per counted target (the model's choices in the plans) over every example, packed and
 * restricted as in training but in file order, so each evaluation of a run scores exactly the same tokens.
 * With `helpers` (the run's idle gradient threads) the batches are shared out as a step's micro-batches
 * are; each batch's loss is the same float32 wherever it is computed and the sum runs in batch order, so
 * the result does not depend on it. Null when no example has a counted target.
 */
export async function maskedLoss(
  model: LossModel,
  examples: readonly SftExample[],
  spec: { seqLen: number; rows: number; pad: number; excluded: Int32Array },
  helpers?: GradientHelpers,
): Promise<number | null> {
  const packer = new SftPacker(examples, { seqLen: spec.seqLen, pad: spec.pad, seed: null, singlePass: true, excluded: spec.excluded });
  const batches: Batch[] = [];
  const targetsPerBatch: number[] = [];
  for (let b = await packer.nextBatch(spec.rows); b !== null; b = await packer.nextBatch(spec.rows)) {
    const counted = countedTargets(b.targets);
    if (counted === 0) continue;
    batches.push(b);
    targetsPerBatch.push(counted);
  }
  const remote = helpers ? helpers.dispatchLosses(model.params, batches) : batches.map(() => null);
  let nats = 0;
  let counted = 0;
  for (const [i, batch] of batches.entries()) {
    const pending = remote[i];
    let mean: number;
    if (pending) mean = await pending;
    else {
      const value = microBatchLoss(model, batch);
      mean = (await value.data())[0]!;
      value.dispose();
    }
    nats += mean * targetsPerBatch[i]!;
    counted += targetsPerBatch[i]!;
  }
  return counted === 0 ? null : nats / counted;
}
