import * as tf from '@tensorflow/tfjs';
import { activeCapabilities } from '../../backend/capabilities.js';
import { movingAverage, scaledSubtract } from './fused-updates.js';
import { zerosVariable } from './zeros-variable.js';
import { orthogonalise } from './newton-schulz.js';

/**
 * Most floats one batched Newton–Schulz stacks (32 MiB, less where the device's largest tensor is smaller):
 * batching only saves op count and feeds the matMul threads, so bounding it keeps the optimizer's peak memory
 * near the per-matrix one on large models.
 */
const MAX_BATCH_FLOATS = 1 << 23;

/** Whether a [fanIn, fanOut] matrix is orthogonalised transposed (Newton–Schulz works on rows ≤ cols). */
function isTall(shape: readonly number[]): boolean {
  return shape[0]! > shape[1]!;
}

/**
 * Muon: SGD with Nesterov momentum whose update is orthogonalised by Newton–Schulz, for the 2-D
 * block matrices. Weights are stored x·W, i.e. [fanIn, fanOut]; the update is scaled by
 * sqrt(max(1, fanOut/fanIn)) — nanochat's sqrt(max(1, rows/cols)) on torch's [out, in] layout.
 *
 * On a GPU (webgpu, tensorflow: the device's capabilities say so) and when the wasm backend's matMul threads
 * are available, matrices of the same shape (after turning tall ones wide) are orthogonalised as one batch:
 * a few large dispatches instead of many small ones, and on wasm products large enough to share with the
 * threads (at d4: 2 batched Newton–Schulz runs instead of 24 per-matrix ones). On one wasm thread each matrix
 * goes alone: batching would only add the copies of stacking. Every matrix gets exactly the bits it would get
 * alone either way (see orthogonalise), so the update does not depend on the thread count.
 */
export class Muon {
  /** Momentum buffers, one per parameter, named like the parameter. */
  readonly momentum = new Map<string, tf.Variable>();
  /** Parameter names grouped by wide-orientation shape, each group at most MAX_BATCH_FLOATS. */
  private readonly batches: string[][] = [];

  constructor(private readonly params: ReadonlyMap<string, tf.Variable>) {
    const byShape = new Map<string, string[]>();
    for (const [name, p] of params) {
      if (p.rank !== 2) throw new Error(`Muon needs 2-D parameters; ${name} has shape [${p.shape.join(',')}]`);
      this.momentum.set(name, zerosVariable(p));
      const key = [...p.shape].sort((x, y) => x - y).join('x');
      byShape.set(key, [...(byShape.get(key) ?? []), name]);
    }
    const deviceFloats = (activeCapabilities().maxTensorBytes ?? Infinity) / 4;
    for (const names of byShape.values()) {
      const perBatch = Math.max(1, Math.floor(Math.min(MAX_BATCH_FLOATS, deviceFloats) / params.get(names[0]!)!.size));
      for (let i = 0; i < names.length; i += perBatch) this.batches.push(names.slice(i, i + perBatch));
    }
  }

  static updateScale(shape: readonly number[]): number {
    const [fanIn, fanOut] = shape as [number, number];
    return Math.sqrt(Math.max(1, fanOut / fanIn));
  }

  /** One update of every parameter of the group, one tidy per batch. `grads` must hold each parameter. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number, momentum: number): void {
    const batched = activeCapabilities().batchesProducts;
    const batches = batched ? this.batches : this.batches.flat().map((name) => [name]);
    for (const names of batches) {
      tf.tidy(() => {
        const directions = names.map((name) => {
          const g = grads.get(name);
          if (!g) throw new Error(`Muon: no gradient for ${name}`);
          const buf = this.momentum.get(name)!;
          const newBuf = movingAverage(buf, g, momentum);
          buf.assign(newBuf);
          // Nesterov: step along the momentum extrapolated one step ahead.
          const nesterov = movingAverage(newBuf, g, momentum) as tf.Tensor2D;
          return (isTall(g.shape) ? nesterov.transpose() : nesterov) as tf.Tensor2D;
        });
        const updates = directions.length === 1 ? [orthogonalise(directions[0]!)] : tf.unstack(orthogonalise(tf.stack(directions) as tf.Tensor3D));
        names.forEach((name, i) => {
          const p = this.params.get(name)!;
          const update = isTall(p.shape) ? updates[i]!.transpose() : updates[i]!;
          p.assign(scaledSubtract(p, update, lr * Muon.updateScale(p.shape)));
        });
      });
    }
  }

  dispose(): void {
    for (const v of this.momentum.values()) v.dispose();
  }
}
