import type * as tf from '@tensorflow/tfjs';
import type { ModelDims } from '../../model/dims.js';
import type { ParamGroup } from '../../model/params.js';
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

/** Optimizer state floats per parameter of each group: AdamW keeps two moments, Muon one momentum buffer. */
export const STATE_FLOATS_PER_PARAM: Readonly<Record<ParamGroup, number>> = { embedding: 2, unembedding: 2, matrix: 1 };

/** What the optimizers read of a model (a Gpt is one): its parameters, each one's group, and its width. */
export interface OptimizedModel {
  params: ReadonlyMap<string, tf.Variable>;
  paramGroups: ReadonlyMap<string, ParamGroup>;
  dims: Pick<ModelDims, 'dModel'>;
}

/**
 * The model's optimizers, one per parameter group (model/params.ts): AdamW on the embedding and on the
 * lm_head (each with its own LR), Muon on the block matrices.
 */
export class ModelOptimizers {
  readonly embedding: AdamW;
  readonly unembedding: AdamW;
  readonly matrices: Muon;
  readonly lrs: BaseLrs;

  /** Parameters keep the model's order within their group (the checkpoint's state order). */
  constructor(
    model: OptimizedModel,
    private readonly cfg: OptimizerConfig,
  ) {
    const groupOf = (name: string): ParamGroup => {
      const group = model.paramGroups.get(name);
      if (group === undefined) throw new Error(`parameter ${name} has no optimizer group`);
      return group;
    };
    const inGroup = (group: ParamGroup) => new Map([...model.params].filter(([name]) => groupOf(name) === group));
    const adamw = { ...ADAMW_DEFAULTS, weightDecay: cfg.weight_decay };
    this.embedding = new AdamW(inGroup('embedding'), adamw);
    this.unembedding = new AdamW(inGroup('unembedding'), adamw);
    this.matrices = new Muon(inGroup('matrix'));
    this.lrs = baseLrs(cfg, model.dims.dModel);
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
