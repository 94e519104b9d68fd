import * as tf from '@tensorflow/tfjs';
import type { Batch } from './loader.js';

export interface LossModel {
  readonly params: ReadonlyMap<string, tf.Variable>;
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar;
}

export interface AccumulatedGradients {
  /** Mean loss over the micro-batches. */
  loss: number;
  /** Mean gradient per parameter name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

/**
 * Gradient accumulation: the mean over micro-batches of each micro-batch's mean-loss gradient, i.e.
 * the gradient of the mean loss over the whole step's tokens (every micro-batch has as many targets).
 * Only the running sums outlive a micro-batch, so memory does not grow with the accumulation count.
 */
export async function accumulateGradients(model: LossModel, batches: readonly Batch[]): Promise<AccumulatedGradients> {
  const names = [...model.params.keys()];
  const vars = names.map((n) => model.params.get(n)!);
  let sums: tf.Tensor[] | null = null;
  let lossSum: tf.Tensor | null = null;
  for (const b of batches) {
    const { value, grads } = tf.tidy(() => {
      const inputs = tf.tensor2d(b.inputs, [b.rows, b.seqLen], 'int32');
      const targets = tf.tensor2d(b.targets, [b.rows, b.seqLen], 'int32');
      return tf.variableGrads(() => model.loss(inputs, targets), vars);
    });
    const micro = vars.map((v) => grads[v.name]!);
    if (sums === null || lossSum === null) {
      sums = micro;
      lossSum = value;
    } else {
      const prev: tf.Tensor[] = sums;
      const prevLoss: tf.Tensor = lossSum;
      sums = prev.map((s, i) => tf.add(s, micro[i]!));
      lossSum = tf.add(prevLoss, value);
      tf.dispose([...prev, ...micro, prevLoss, value]);
    }
  }
  if (sums === null || lossSum === null) throw new Error('accumulateGradients needs at least one batch');
  const n = batches.length;
  const finalSums: tf.Tensor[] = sums;
  const means = n === 1 ? finalSums : finalSums.map((s) => tf.div(s, n));
  if (n !== 1) tf.dispose(finalSums);
  // Asynchronous read: webgpu in Node cannot read synchronously.
  const loss = ((await lossSum.data())[0] ?? Number.NaN) / n;
  lossSum.dispose();
  return { loss, grads: new Map(names.map((name, i) => [name, means[i]!])) };
}
