import * as tf from '@tensorflow/tfjs';

/** Swaps the last two axes (a matrix transpose of every batch entry). */
export function transposeLast<T extends tf.Tensor>(x: T): T {
  const rank = x.rank;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return tf.transpose(x, perm);
}

/**
 * a @ b (rank 2, or rank 4 with equal batch axes) whose gradients are plain matMuls of explicitly transposed
 * operands: dA = dY @ Bᵀ, dB = Aᵀ @ dY. tfjs's own gradient passes transpose flags instead, and the wasm
 * kernel runs those 13–50× slower than an untransposed product of the same size (XNNPACK only takes the
 * plain layout); a transpose costs one memory pass.
 */
export const matMul: <T extends tf.Tensor>(a: T, b: tf.Tensor) => T = tf.customGrad((...args) => {
  const a = args[0] as tf.Tensor;
  const b = args[1] as tf.Tensor;
  const save = args[2] as tf.GradSaveFunc;
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [aS, bS] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, transposeLast(bS)), tf.matMul(transposeLast(aS), dy as tf.Tensor2D)];
    },
  };
}) as <T extends tf.Tensor>(a: T, b: tf.Tensor) => T;
