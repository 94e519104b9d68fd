import type * as tf from '@tensorflow/tfjs';
import { AdamW, ADAMW_DEFAULTS } from './adamw.js';
import { Muon } from './muon.js';
import { lrMultiplier, muonMomentum, type LrScheduleConfig, type MomentumScheduleConfig } from './schedule.js';

export interface OptimizerConfig extends LrScheduleConfig, MomentumScheduleConfig {
  embedding_lr: number;
  unembedding_lr: number;
  matrix_lr: number;
  weight_decay: number;
}

/** The LRs actually applied at multiplier 1; the AdamW ones are scaled by (d_model/768)^−0.5. */
export interface BaseLrs {
  embedding: number;
  unembedding: number;
  matrix: number;
}

export function baseLrs(cfg: OptimizerConfig, dModel: number): BaseLrs {
  const widthScale = (dModel / 768) ** -0.5;
  return { embedding: cfg.embedding_lr * widthScale, unembedding: cfg.unembedding_lr * widthScale, matrix: cfg.matrix_lr };
}

function pick(params: ReadonlyMap<string, tf.Variable>, keep: (name: string) => boolean): Map<string, tf.Variable> {
  return new Map([...params].filter(([name]) => keep(name)));
}

const ADAMW_PARAMS = new Set(['wte', 'lm_head']);

/**
 * The model's optimizers: AdamW on the embedding (`wte`) and on `lm_head` (each with its own LR),
 * Muon on every other parameter (the 2-D block matrices).
 */
export class ModelOptimizers {
  readonly embedding: AdamW;
  readonly unembedding: AdamW;
  readonly matrices: Muon;
  readonly lrs: BaseLrs;

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    private readonly cfg: OptimizerConfig,
    dModel: number,
  ) {
    for (const name of ADAMW_PARAMS) if (!params.has(name)) throw new Error(`model has no parameter ${name}`);
    const adamw = { ...ADAMW_DEFAULTS, weightDecay: cfg.weight_decay };
    this.embedding = new AdamW(pick(params, (n) => n === 'wte'), adamw);
    this.unembedding = new AdamW(pick(params, (n) => n === 'lm_head'), adamw);
    this.matrices = new Muon(pick(params, (n) => !ADAMW_PARAMS.has(n)));
    this.lrs = baseLrs(cfg, dModel);
  }

  /** Applies one optimizer step (0-based `step` of `totalSteps`) with the scheduled LR and momentum. */
  step(grads: ReadonlyMap<string, tf.Tensor>, step: number, totalSteps: number): { lrMultiplier: number; momentum: number } {
    const mult = lrMultiplier(step, totalSteps, this.cfg);
    const momentum = muonMomentum(step, this.cfg);
    this.embedding.step(grads, this.lrs.embedding * mult);
    this.unembedding.step(grads, this.lrs.unembedding * mult);
    this.matrices.step(grads, this.lrs.matrix * mult, momentum);
    return { lrMultiplier: mult, momentum };
  }

  /** Every state tensor under a stable checkpoint name. */
  stateTensors(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [group, opt] of [['embedding', this.embedding], ['unembedding', this.unembedding]] as const) {
      for (const [name, t] of opt.m) out.set(`adamw.${group}.${name}.m`, t);
      for (const [name, t] of opt.v) out.set(`adamw.${group}.${name}.v`, t);
    }
    for (const [name, t] of this.matrices.momentum) out.set(`muon.${name}.momentum`, t);
    return out;
  }

  /** Scalar state that is not a tensor: AdamW step counters (bias correction). */
  counters(): { embedding_steps: number; unembedding_steps: number } {
    return { embedding_steps: this.embedding.steps, unembedding_steps: this.unembedding.steps };
  }

  restoreCounters(c: { embedding_steps: number; unembedding_steps: number }): void {
    this.embedding.steps = c.embedding_steps;
    this.unembedding.steps = c.unembedding_steps;
  }

  dispose(): void {
    this.embedding.dispose();
    this.unembedding.dispose();
    this.matrices.dispose();
  }
}
