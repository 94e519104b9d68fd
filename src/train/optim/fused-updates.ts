import * as tf from '@tensorflow/tfjs';
import { activeBackendHas } from '../../backend/capabilities.js';

/**
 * The optimizers' element-wise updates as single ops. A backend that registers the kernels below does each in
 * one pass (backend/webgpu-optimizer-updates.ts: one dispatch where the composition makes 3–9, each a read and
 * write of a parameter-sized tensor); elsewhere each op is the exact composition the optimizers always used,
 * op for op, so those backends compute the same bits as before.
 *
 * Kernels (float32, every input shaped like the parameter):
 * - MOVING_AVERAGE_KERNEL {state, g}, attrs {beta, squared} → beta·state + (1 − beta)·(squared ? g² : g)
 * - SCALED_SUBTRACT_KERNEL {p, u}, attrs {scale} → p − scale·u
 * - ADAMW_STEP_KERNEL {p, m, v}, attrs {lr, decay, correction1, correction2, eps}
 *     → p·(1 − lr·decay) − lr·(m / correction1) / (√(v / correction2) + eps)
 */
export const MOVING_AVERAGE_KERNEL = 'CapplanMovingAverage';
export const SCALED_SUBTRACT_KERNEL = 'CapplanScaledSubtract';
export const ADAMW_STEP_KERNEL = 'CapplanAdamWStep';

/** beta·state + (1 − beta)·g (or g² with `squared`): momentum buffers, Nesterov directions, Adam moments. */
export function movingAverage(state: tf.Tensor, g: tf.Tensor, beta: number, squared = false): tf.Tensor {
  if (activeBackendHas(MOVING_AVERAGE_KERNEL)) return tf.engine().runKernel(MOVING_AVERAGE_KERNEL, { state, g }, { beta, squared }) as tf.Tensor;
  return state.mul(beta).add((squared ? g.square() : g).mul(1 - beta));
}

/** p − scale·u: a Muon update. */
export function scaledSubtract(p: tf.Tensor, u: tf.Tensor, scale: number): tf.Tensor {
  if (activeBackendHas(SCALED_SUBTRACT_KERNEL)) return tf.engine().runKernel(SCALED_SUBTRACT_KERNEL, { p, u }, { scale }) as tf.Tensor;
  return p.sub(u.mul(scale));
}

export interface AdamWStepAttrs {
  lr: number;
  /** Decoupled weight decay (0: none). */
  decay: number;
  /** Bias corrections 1 − beta^t of the two moments. */
  correction1: number;
  correction2: number;
  eps: number;
}

/** The AdamW parameter update from the new moments m and v. */
export function adamwStep(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamWStepAttrs): tf.Tensor {
  if (activeBackendHas(ADAMW_STEP_KERNEL)) return tf.engine().runKernel(ADAMW_STEP_KERNEL, { p, m, v }, { ...attrs }) as tf.Tensor;
  const { lr, decay, correction1, correction2, eps } = attrs;
  const denom = v.div(correction2).sqrt().add(eps);
  const update = m.div(correction1).div(denom);
  const decayed = decay > 0 ? p.mul(1 - lr * decay) : p;
  return decayed.sub(update.mul(lr));
}
