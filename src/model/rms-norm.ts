import * as tf from '@tensorflow/tfjs';

/** Added to the mean square before the reciprocal square root, as in the PyTorch reference. */
export const RMS_EPS = 1e-6;

/**
 * Parameter-free RMSNorm over the last axis: y = x / sqrt(mean(x²) + eps).
 * A custom gradient, dx = r·(dy − y·mean(dy·y)) with r = 1/sqrt(mean(x²) + eps), replaces the five-op
 * autodiff chain (square, mean, add, rsqrt, mul and their broadcasts) by three element-wise passes.
 */
export const rmsNorm: <T extends tf.Tensor>(x: T) => T = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const inv = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), RMS_EPS));
  const y = tf.mul(x, inv);
  save([y, inv]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [yS, invS] = saved as [tf.Tensor, tf.Tensor];
      const projection = tf.mean(tf.mul(dy, yS), -1, true);
      return [tf.mul(invS, tf.sub(dy, tf.mul(yS, projection)))];
    },
  };
}) as <T extends tf.Tensor>(x: T) => T;

/** The plain autodiff composition of rmsNorm, kept as the reference its custom gradient is tested against. */
export function rmsNormComposed<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), RMS_EPS)));
}
