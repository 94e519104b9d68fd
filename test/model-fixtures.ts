// Shared helpers of the model/backend/kernel tests: tiny models whose every weight matters.
import * as tf from '@tensorflow/tfjs';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { initValues } from '../src/model/init.js';

export function tinyModel(opts: { depth?: number; vocab?: number; seqLen?: number; seed?: number } = {}): Gpt {
  return new Gpt(modelConfig({ depth: opts.depth ?? 2, seq_len: opts.seqLen ?? 8 }, opts.vocab ?? 64), opts.seed ?? 1);
}

/**
 * Overwrites every weight with seeded N(0, 1/fan_in) values (embedding N(0, 1)), so the zero-initialised
 * projections and the tiny lm_head no longer hide the attention and MLP paths from a test.
 */
export function scramble(model: Gpt, seed = 99): void {
  for (const [name, p] of model.params) {
    const [rows, cols] = p.shape as [number, number];
    const std = name === 'wte' ? 1 : 1 / Math.sqrt(rows);
    const values = tf.tensor2d(initValues(seed, name, rows * cols, { kind: 'normal', std }), [rows, cols]);
    p.assign(values);
    values.dispose();
  }
}

/** Deterministic int32 tokens [batch, time] in [0, vocab). */
export function tokens(batch: number, time: number, vocab: number, salt = 0): tf.Tensor2D {
  const values = Array.from({ length: batch * time }, (_, i) => (i * 7919 + salt * 104729 + 13) % vocab);
  return tf.tensor2d(values, [batch, time], 'int32');
}

/** Largest |a − b| / max(|b|, floor) over two equally long arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return worst;
}

/** A seeded N(0, 1) direction with the shape of `x`. */
export function direction(x: tf.Tensor, seed: number): tf.Tensor {
  return tf.tensor(initValues(seed, 'direction', x.size, { kind: 'normal', std: 1 }), x.shape);
}

/** Central difference (f(x + εu) − f(x − εu)) / 2ε. */
export function numericDirectional(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, u: tf.Tensor, eps: number): number {
  return tf.tidy(() => {
    const plus = f(tf.add(x, tf.mul(u, eps))).dataSync()[0]!;
    const minus = f(tf.sub(x, tf.mul(u, eps))).dataSync()[0]!;
    return (plus - minus) / (2 * eps);
  });
}

/**
 * Checks df/dx along a random direction u: ⟨∇f(x), u⟩ against the central difference. A single directional
 * derivative has far better float32 signal-to-noise than per-coordinate differences.
 */
export function directionalCheck(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2, seed = 5): { analytic: number; numeric: number } {
  return tf.tidy(() => {
    const u = direction(x, seed);
    const analytic = tf.sum(tf.mul(tf.grad(f)(x), u)).dataSync()[0]!;
    return { analytic, numeric: numericDirectional(f, x, u, eps) };
  });
}

/** Seeded values in [−1, 1) (an LCG), so the same numbers can be fed to two backends and compared. */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
