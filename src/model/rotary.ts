import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul.js';

/**
 * Rotary position tables for positions 0..maxLen-1. cos and sin are [maxLen, headDim], the angle of pair i
 * repeated in columns i and i + headDim/2; rotateHalf is the [headDim, headDim] signed permutation with
 * x·rotateHalf = [−x_b, x_a] for x = [x_a, x_b].
 */
export interface RotaryTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  rotateHalf: tf.Tensor2D;
}

/** Angles t·base^(−2i/headDim), computed in float64 and rounded once to float32. */
export function rotaryTables(maxLen: number, headDim: number, base: number): RotaryTables {
  const half = headDim / 2;
  const cos = new Float32Array(maxLen * headDim);
  const sin = new Float32Array(maxLen * headDim);
  for (let t = 0; t < maxLen; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.pow(base, (-2 * i) / headDim);
      cos[t * headDim + i] = cos[t * headDim + half + i] = Math.cos(angle);
      sin[t * headDim + i] = sin[t * headDim + half + i] = Math.sin(angle);
    }
  }
  const rotateHalf = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    rotateHalf[(j + half) * headDim + j] = -1;
    rotateHalf[j * headDim + j + half] = 1;
  }
  return {
    cos: tf.tensor2d(cos, [maxLen, headDim]),
    sin: tf.tensor2d(sin, [maxLen, headDim]),
    rotateHalf: tf.tensor2d(rotateHalf, [headDim, headDim]),
  };
}

/**
 * Rotates the pairs (x[i], x[i + headDim/2]) of the last axis by the angle of their position (axis −2):
 * x·cos + (x·rotateHalf)·sin. The half swap is one small matmul rather than split + concat, which cost a
 * strided copy per half on the cpu backend; `cos`/`sin` hold exactly the T positions of x.
 */
export function applyRotary<T extends tf.Tensor>(x: T, cos: tf.Tensor2D, sin: tf.Tensor2D, rotateHalf: tf.Tensor2D): T {
  const headDim = rotateHalf.shape[0];
  const swapped = tf.reshape(matMul(tf.reshape(x, [-1, headDim]), rotateHalf), x.shape);
  return tf.add(tf.mul(x, cos), tf.mul(swapped, sin)) as T;
}
