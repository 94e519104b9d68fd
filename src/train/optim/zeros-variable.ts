import * as tf from '@tensorflow/tfjs';

/**
 * A non-trainable all-zero state variable shaped like `p`. Unnamed: TF.js variable names are
 * process-global, and two optimizers may coexist (tests, evaluation of a second model).
 */
export function zerosVariable(p: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(p);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}
