import * as tf from '@tensorflow/tfjs';
import { countedPositions, supervisedPositions } from '../model/supervised.js';
import { restrictionBias } from './target-restriction.js';
import type { Batch } from './loader.js';

export interface LossModel {
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** `supervised`: the flattened positions whose target counts (see model/supervised.ts). */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, supervised?: tf.Tensor1D, bias?: tf.Tensor2D): tf.Scalar;
}

export interface AccumulatedGradients {
  /** Mean loss over the micro-batches. */
  loss: number;
  /** Mean gradient per parameter name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

/** One micro-batch's mean loss and its gradient per parameter, in the order of `model.params`. */
export interface MicroGradients {
  value: tf.Scalar;
  grads: tf.Tensor[];
}

/** A micro-batch's results computed in another thread: float32 loss and gradients, in `model.params` order. */
export interface RemoteMicroGradients {
  loss: number;
  grads: Float32Array[];
}

/**
 * Computes some of a step's micro-batches elsewhere (worker threads, see parallel/gradient-pool.ts).
 * `dispatch` starts them on the model's current weights and returns, per micro-batch, the promise of its
 * remote result, or null for the micro-batches the calling thread computes itself; `dispatchLosses` the
 * same for batches whose mean loss alone is wanted (an evaluation).
 */
export interface GradientHelpers {
  dispatch(params: ReadonlyMap<string, tf.Variable>, batches: readonly Batch[]): Array<Promise<RemoteMicroGradients> | null>;
  dispatchLosses(params: ReadonlyMap<string, tf.Variable>, batches: readonly Batch[]): Array<Promise<number> | null>;
}

/** The mean loss of a micro-batch as a function of the model's weights (to differentiate or just to evaluate). */
function microBatchLossFn(model: LossModel, batch: Batch): () => tf.Scalar {
  const restriction = batch.restriction;
  const inputs = tf.tensor2d(batch.inputs, [batch.rows, batch.seqLen], 'int32');
  const targets = tf.tensor2d(batch.targets, [batch.rows, batch.seqLen], 'int32');
  // A restriction needs the gathered rows (its bias is per counted target), even when every target counts.
  const positions = supervisedPositions(batch.targets) ?? (restriction ? countedPositions(batch.targets) : null);
  const supervised = positions === null || positions.length === 0 ? undefined : tf.tensor1d(positions, 'int32');
  const lmHead = model.params.get('lm_head');
  const vocab = lmHead?.shape[1];
  const bias =
    restriction && positions && supervised && vocab !== undefined
      ? tf.tensor2d(restrictionBias(restriction, positions, vocab), [positions.length, vocab])
      : undefined;
  return () => model.loss(inputs, targets, supervised, bias);
}

/** Forward and backward pass of one micro-batch; the caller disposes the result. */
export function microBatchGradients(model: LossModel, batch: Batch): MicroGradients {
  const vars = [...model.params.values()];
  const { value, grads } = tf.tidy(() => tf.variableGrads(microBatchLossFn(model, batch), vars));
  return { value, grads: vars.map((v) => grads[v.name]!) };
}

/** Forward pass only: the micro-batch's mean loss; the caller disposes it. */
export function microBatchLoss(model: LossModel, batch: Batch): tf.Scalar {
  return tf.tidy(() => microBatchLossFn(model, batch)());
}

/** A remote result as tensors: the same float32 values the calling thread would have computed. */
function fromRemote(model: LossModel, remote: RemoteMicroGradients): MicroGradients {
  const shapes = [...model.params.values()].map((v) => v.shape);
  return { value: tf.scalar(remote.loss, 'float32'), grads: remote.grads.map((g, i) => tf.tensor(g, shapes[i], 'float32')) };
}

/**
 * Gradient accumulation: the mean over micro-batches of each micro-batch's mean-loss gradient, i.e.
 * the gradient of the mean loss over the whole step's tokens (every micro-batch has as many targets).
 * Only the running sums outlive a micro-batch, so memory does not grow with the accumulation count.
 * With `helpers`, other threads compute some micro-batches concurrently; the sums still run over the
 * micro-batches in their original order with the same additions, so the result is bit-identical.
 */
export async function accumulateGradients(model: LossModel, batches: readonly Batch[], helpers?: GradientHelpers): Promise<AccumulatedGradients> {
  const names = [...model.params.keys()];
  const remote = helpers ? helpers.dispatch(model.params, batches) : batches.map(() => null);
  let sums: tf.Tensor[] | null = null;
  let lossSum: tf.Tensor | null = null;
  for (const [i, b] of batches.entries()) {
    const pending = remote[i];
    const micro = pending ? fromRemote(model, await pending) : microBatchGradients(model, b);
    if (sums === null || lossSum === null) {
      sums = micro.grads;
      lossSum = micro.value;
    } else {
      const prev: tf.Tensor[] = sums;
      const prevLoss: tf.Tensor = lossSum;
      sums = prev.map((s, j) => tf.add(s, micro.grads[j]!));
      lossSum = tf.add(prevLoss, micro.value);
      tf.dispose([...prev, ...micro.grads, prevLoss, micro.value]);
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
