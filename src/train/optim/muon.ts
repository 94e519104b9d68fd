import * as tf from '@tensorflow/tfjs';
import { zerosVariable } from './zeros-variable.js';
import { orthogonalise } from './newton-schulz.js';

/**
 * Muon: SGD with Nesterov momentum whose update is orthogonalised by Newton–Schulz, for the 2-D
 * block matrices. Weights are stored x·W, i.e. [fanIn, fanOut]; the update is scaled by
 * sqrt(max(1, fanOut/fanIn)) — nanochat's sqrt(max(1, rows/cols)) on torch's [out, in] layout.
 */
export class Muon {
  /** Momentum buffers, one per parameter, named like the parameter. */
  readonly momentum = new Map<string, tf.Variable>();

  constructor(private readonly params: ReadonlyMap<string, tf.Variable>) {
    for (const [name, p] of params) {
      if (p.rank !== 2) throw new Error(`Muon needs 2-D parameters; ${name} has shape [${p.shape.join(',')}]`);
      this.momentum.set(name, zerosVariable(p));
    }
  }

  static updateScale(shape: readonly number[]): number {
    const [fanIn, fanOut] = shape as [number, number];
    return Math.sqrt(Math.max(1, fanOut / fanIn));
  }

  /** One update of every parameter of the group in one tidy. `grads` must hold each parameter. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number, momentum: number): void {
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) throw new Error(`Muon: no gradient for ${name}`);
        const buf = this.momentum.get(name)!;
        const newBuf = buf.mul(momentum).add(g.mul(1 - momentum));
        buf.assign(newBuf);
        // Nesterov: step along the momentum extrapolated one step ahead.
        const nesterov = g.mul(1 - momentum).add(newBuf.mul(momentum)) as tf.Tensor2D;
        const update = orthogonalise(nesterov);
        p.assign(p.sub(update.mul(lr * Muon.updateScale(p.shape))));
      }
    });
  }

  dispose(): void {
    for (const v of this.momentum.values()) v.dispose();
  }
}
