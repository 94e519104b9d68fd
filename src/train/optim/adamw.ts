import * as tf from '@tensorflow/tfjs';
import { adamwStep, movingAverage } from './fused-updates.js';
import { zerosVariable } from './zeros-variable.js';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.8, beta2: 0.95, eps: 1e-10, weightDecay: 0 };

/**
 * AdamW with bias correction and decoupled weight decay (p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + eps)).
 * The step counter is part of the state (bias correction depends on it) and is checkpointed.
 */
export class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  steps = 0;

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly opts: AdamWOptions = ADAMW_DEFAULTS,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, zerosVariable(p));
      this.v.set(name, zerosVariable(p));
    }
  }

  /** One update of every parameter of the group in one tidy. */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    this.steps += 1;
    const correction1 = 1 - beta1 ** this.steps;
    const correction2 = 1 - beta2 ** this.steps;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        if (!g) throw new Error(`AdamW: no gradient for ${name}`);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(movingAverage(m, g, beta1));
        v.assign(movingAverage(v, g, beta2, true));
        p.assign(adamwStep(p, m, v, { lr, decay: weightDecay, correction1, correction2, eps }));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
