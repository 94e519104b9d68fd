import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { sliceInto, transposeInto } from '../src/backend/strided-copy.js';
import { matMul } from '../src/model/matmul.js';
import { maxRelDiff, seededValues as values, sizeOf as size } from './model-fixtures.js';


/** Runs `fn` on fresh tensors of the given shapes on `backend` and returns its output values. */
async function on(backend: 'cpu' | 'wasm', shapes: number[][], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend);
  return tf.tidy(() => {
    const xs = shapes.map((shape, i) => tf.tensor(values(size(shape), 7 + i), shape));
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

async function expectSameOnWasm(shapes: number[][], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-5): Promise<void> {
  const reference = await on('cpu', shapes, fn);
  const ours = await on('wasm', shapes, fn);
  reference.forEach((r, i) => {
    expect(ours[i]!.length).toBe(r.length);
    expect(maxRelDiff(ours[i]!, r)).toBeLessThan(tol);
  });
}

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(async () => {
  await initBackend('cpu');
});

describe('transposeInto (JS axis permutation)', () => {
  // One case per code path: last axis kept (runs), last two swapped (blocked 2-D), general (strided).
  const cases: [number[], number[]][] = [
    [[3, 4], [1, 0]],
    [[37, 70], [1, 0]],
    [[2, 5, 3, 4], [0, 1, 3, 2]],
    [[2, 5, 3, 4], [2, 0, 1, 3]],
    [[2, 5, 3, 4], [0, 2, 1, 3]],
    [[2, 5, 3, 4], [3, 1, 0, 2]],
    [[2, 5, 3], [0, 1, 2]],
  ];
  for (const [shape, perm] of cases) {
    it(`equals tf.transpose for shape [${shape}] perm [${perm}]`, () => {
      const x = tf.tensor(values(size(shape), 3), shape);
      const out = new Float32Array(size(shape));
      transposeInto(x.dataSync() as Float32Array, shape, perm, out);
      expect([...out]).toEqual([...tf.transpose(x, perm).dataSync()]);
    });
  }

  it('moves int32 values exactly', () => {
    const src = Int32Array.from({ length: 24 }, (_, i) => i * 1000003);
    const out = new Int32Array(24);
    transposeInto(src, [2, 3, 4], [2, 0, 1], out);
    expect([...out]).toEqual([...tf.transpose(tf.tensor(src, [2, 3, 4], 'int32'), [2, 0, 1]).dataSync()]);
  });
});

describe('sliceInto (JS block copy)', () => {
  // Whole trailing axes (one run per leading index), a cut last axis (short runs), a single element.
  const cases: [number[], number[], number[]][] = [
    [[6, 4, 3, 5], [2, 0, 0, 0], [3, 4, 3, 5]],
    [[6, 4, 3, 5], [1, 1, 0, 0], [2, 2, 3, 5]],
    [[6, 4, 3, 5], [0, 1, 1, 2], [6, 3, 2, 3]],
    [[6, 4, 3, 5], [5, 3, 2, 4], [1, 1, 1, 1]],
    [[7], [2], [4]],
  ];
  for (const [shape, begin, size] of cases) {
    it(`equals tf.slice for shape [${shape}] begin [${begin}] size [${size}]`, () => {
      const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1), 5), shape);
      const out = new Float32Array(size.reduce((a, b) => a * b, 1));
      sliceInto(x.dataSync() as Float32Array, shape, begin, size, out);
      expect([...out]).toEqual([...tf.slice(x, begin, size).dataSync()]);
    });
  }
});

describe('wasm kernel replacements agree with the cpu backend', () => {
  it('Slice, with −1 sizes and int32 values', async () => {
    await expectSameOnWasm([[6, 4, 3, 5]], (x) => [tf.slice(x, [2, 0, 0, 0], [3, -1, -1, -1]), tf.slice(x, [0, 1, 1, 2], [-1, 3, 2, 3])]);
    await initBackend('wasm');
    const ints = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    expect(tf.slice(ints, [0, 1], [2, 2]).arraySync()).toEqual([[2, 3], [5, 6]]);
    await initBackend('cpu');
  });


  it('Transpose, every path', async () => {
    await expectSameOnWasm([[2, 5, 3, 4]], (x) => [
      tf.transpose(x, [0, 1, 3, 2]),
      tf.transpose(x, [2, 0, 1, 3]),
      tf.transpose(x, [3, 1, 0, 2]),
    ]);
  });

  it('BatchMatMul with every transpose flag on rank 2, 3 and 4 operands', async () => {
    for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = (shape: number[]) => (transposeA ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);
      const b = (shape: number[]) => (transposeB ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);
      for (const [sa, sb] of [
        [[5, 7], [7, 3]],
        [[4, 5, 7], [4, 7, 3]],
        [[2, 3, 5, 7], [2, 3, 7, 3]],
      ]) {
        await expectSameOnWasm([a(sa!), b(sb!)], (x, y) => tf.matMul(x!, y!, transposeA, transposeB), 1e-4);
      }
    }
  });

  it('BatchMatMul broadcasting a single batch entry against many', async () => {
    await expectSameOnWasm([[1, 5, 7], [4, 7, 3]], (x, y) => tf.matMul(x!, y!), 1e-4);
    await expectSameOnWasm([[4, 5, 7], [1, 7, 3]], (x, y) => tf.matMul(x!, y!, false, false), 1e-4);
    await expectSameOnWasm([[4, 7, 5], [7, 3]], (x, y) => tf.matMul(x!, tf.reshape(y!, [1, 7, 3]), true, false), 1e-4);
  });

  it("the model's matMul gradients (attention-shaped rank 4)", async () => {
    await expectSameOnWasm([[2, 3, 6, 4], [2, 3, 4, 6], [2, 3, 6, 6]], (a, b, up) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(matMul(p, q), up!)))([a!, b!]),
    1e-4);
  });
});
