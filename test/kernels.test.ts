import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { scatterAdd } from '../src/backend/scatter-add.js';
import { boundedSparseCrossEntropy } from '../src/model/cross-entropy.js';
import { matMul } from '../src/model/matmul.js';
import { rmsNorm, rmsNormComposed } from '../src/model/rms-norm.js';
import { applyRotary, rotaryTables } from '../src/model/rotary.js';
import { direction, directionalCheck, maxRelDiff, numericDirectional, scramble, tinyModel, tokens } from './model-fixtures.js';

/** Segment ids with duplicates and an out-of-range −1 (dropped, as TensorFlow does). */
const IDS = [2, 0, 2, 4, -1, 2];

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed));
}

/** Σ_i onehot(ids_i)ᵀ x_i: the one-hot matmul composition UnsortedSegmentSum must equal. */
function segmentSumByOneHot(x: tf.Tensor, ids: number[], numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [ids.length, -1]);
    const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), numSegments);
    return tf.reshape(tf.matMul(oneHot, flat, true, false), [numSegments, ...x.shape.slice(1)]);
  });
}

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  expect(maxRelDiff(a.dataSync(), b.dataSync())).toBeLessThan(tol);
}

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(async () => {
  await initBackend('cpu');
});

describe('scatter-add (UnsortedSegmentSum) kernels', () => {
  it('scatterAdd accumulates duplicates and drops out-of-range ids', () => {
    const out = new Float32Array(3 * 2);
    scatterAdd(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), [1, 1, -1, 5], 2, 3, out);
    expect([...out]).toEqual([0, 0, 4, 6, 0, 0]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`equals the one-hot matmul composition on ${backend} (rank 2 and 3, int32 too)`, async () => {
      await initBackend(backend);
      for (const shape of [[6, 3], [6, 2, 3]]) {
        const x = randomTensor(shape, 11);
        const ids = tf.tensor1d(IDS, 'int32');
        expectClose(tf.unsortedSegmentSum(x, ids, 5), segmentSumByOneHot(x, IDS, 5));
      }
      const ints = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
      const summed = tf.unsortedSegmentSum(ints, tf.tensor1d([1, 1, 0], 'int32'), 2);
      expect(summed.dtype).toBe('int32');
      expect(summed.arraySync()).toEqual([[5, 6], [4, 6]]);
      await initBackend('cpu');
    });

    it(`gives tf.gather (embedding lookup) the right gradient on ${backend}`, async () => {
      await initBackend(backend);
      const table = randomTensor([5, 4], 3);
      const upstream = randomTensor([IDS.length - 1, 4], 4);
      const ids = IDS.filter((i) => i >= 0);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), upstream)))(table);
      expectClose(grad, segmentSumByOneHot(upstream, ids, 5));
      await initBackend('cpu');
    });
  }

  it('embedding gradient agrees with finite differences', () => {
    const table = randomTensor([7, 3], 6);
    const ids = tf.tensor1d([3, 1, 3, 6, 0, 3], 'int32');
    const weights = randomTensor([6, 3], 8);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.gather(t, ids)), weights)) as tf.Scalar;
    const { analytic, numeric } = directionalCheck(f, table, 1e-2);
    expect(Math.abs(analytic - numeric) / Math.abs(numeric)).toBeLessThan(1e-3);
  });
});

describe('custom-gradient ops', () => {
  it('sparse cross-entropy equals −log softmax at the target, ignores −1, and has the right gradient', () => {
    const logits = tf.mul(tf.tanh(randomTensor([5, 9], 21)), 15) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 8, -1, 4, 4], 'int32');
    const losses = boundedSparseCrossEntropy(logits, targets).dataSync();
    const reference = tf.neg(tf.logSoftmax(logits)).arraySync();
    [0, 8, -1, 4, 4].forEach((t, row) => expect(losses[row]).toBeCloseTo(t < 0 ? 0 : reference[row]![t]!, 4));
    const f = (z: tf.Tensor) => tf.sum(tf.mul(boundedSparseCrossEntropy(z as tf.Tensor2D, targets), tf.range(1, 6))) as tf.Scalar;
    const { analytic, numeric } = directionalCheck(f, logits, 1e-2);
    expect(Math.abs(analytic - numeric) / Math.abs(numeric)).toBeLessThan(2e-3);
    // No gradient flows into the ignored row.
    const grad = tf.grad(f)(logits);
    expect(tf.max(tf.abs(tf.slice(grad, [2, 0], [1, 9]))).dataSync()[0]).toBe(0);
  });

  it('rmsNorm: custom gradient equals the composed autodiff gradient and finite differences', () => {
    const x = randomTensor([4, 3, 16], 31);
    const upstream = randomTensor([4, 3, 16], 32);
    const loss = (norm: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(norm(t), upstream)) as tf.Scalar;
    expectClose(rmsNorm(x), rmsNormComposed(x));
    expectClose(tf.grad(loss(rmsNorm))(x), tf.grad(loss(rmsNormComposed))(x), 1e-4);
    const { analytic, numeric } = directionalCheck(loss(rmsNorm), x, 1e-2);
    expect(Math.abs(analytic - numeric) / Math.abs(numeric)).toBeLessThan(2e-3);
  });

  it('matMul: gradients through explicit transposes equal tfjs matMul gradients (rank 2 and 4)', () => {
    for (const [aShape, bShape] of [[[5, 3], [3, 4]], [[2, 3, 5, 6], [2, 3, 6, 4]]] as const) {
      const a = randomTensor([...aShape], 41);
      const b = randomTensor([...bShape], 42);
      const outShape = [...aShape.slice(0, -1), bShape[bShape.length - 1]!];
      const upstream = randomTensor(outShape, 43);
      const ours = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(matMul(p, q), upstream)))([a, b]);
      const theirs = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D), upstream)))([a, b]);
      expectClose(matMul(a, b), tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
      expectClose(ours[0]!, theirs[0]!, 1e-4);
      expectClose(ours[1]!, theirs[1]!, 1e-4);
    }
  });

  it('rotary: the matmul half-swap equals rotating each (x_i, x_{i+hd/2}) pair', () => {
    const [time, headDim] = [6, 8];
    const tables = rotaryTables(time, headDim, 10000);
    const x = randomTensor([2, time, headDim], 51);
    const rotated = applyRotary(x, tables.cos, tables.sin, tables.rotateHalf).arraySync() as number[][][];
    const xs = x.arraySync() as number[][][];
    for (let t = 0; t < time; t++) {
      for (let i = 0; i < headDim / 2; i++) {
        const angle = t * Math.pow(10000, (-2 * i) / headDim);
        const [a, b] = [xs[1]![t]![i]!, xs[1]![t]![i + headDim / 2]!];
        expect(rotated[1]![t]![i]).toBeCloseTo(a * Math.cos(angle) - b * Math.sin(angle), 5);
        expect(rotated[1]![t]![i + headDim / 2]).toBeCloseTo(a * Math.sin(angle) + b * Math.cos(angle), 5);
      }
    }
  });

  it('the whole model loss agrees with finite differences for every kind of parameter', () => {
    const model = tinyModel({ depth: 1, vocab: 64, seqLen: 6, seed: 2 });
    scramble(model);
    const x = tokens(2, 6, 64);
    const y = tokens(2, 6, 64, 5);
    for (const name of ['wte', 'h.0.attn.q', 'h.0.attn.k', 'h.0.attn.v', 'h.0.attn.proj', 'h.0.mlp.fc', 'h.0.mlp.proj', 'lm_head']) {
      const p = model.params.get(name)!;
      const original = p.clone();
      const u = direction(original, 7);
      const { grads } = tf.variableGrads(() => model.loss(x, y), [p]);
      const analytic = tf.sum(tf.mul(grads[p.name]!, u)).dataSync()[0]!;
      // ⟨g, u⟩ ~ N(0, |g|²) for a random u, so |g| is the scale to judge the error against (a ratio to
      // ⟨g, u⟩ itself blows up whenever u happens to be nearly orthogonal to g).
      const gradNorm = tf.norm(grads[p.name]!).dataSync()[0]!;
      const numeric = numericDirectional(
        (w) => {
          p.assign(w as tf.Tensor2D);
          return model.loss(x, y);
        },
        original,
        u,
        3e-3,
      );
      p.assign(original);
      expect(gradNorm, name).toBeGreaterThan(1e-3);
      expect(Math.abs(analytic - numeric) / gradNorm, name).toBeLessThan(1e-2);
    }
    model.dispose();
  });
});
