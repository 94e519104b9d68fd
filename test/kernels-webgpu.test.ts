// capplan's WGSL kernels for the webgpu backend (Dawn; Mesa lavapipe on machines without a GPU), each
// checked against the plain composition on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { seededValues as values } from './model-fixtures.js';
import { expectSameOnWebGpu, recordPrograms, useBackend, webGpuAdapterOrSkip } from './helpers/webgpu.js';

const adapter = await webGpuAdapterOrSkip('webgpu kernel tests');

/** Names of the compiled webgpu pipelines so far (keys start with the program's shaderKey). */
function compiledPrograms(): string[] {
  return Object.keys((tf.backend() as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache);
}

describe.skipIf(!adapter)('webgpu kernels', () => {
  it('BatchMatMul: our row-block shader runs and matches cpu for every transpose combination', async () => {
    // Odd row and inner counts, and 12 columns (3 vec4 columns: a partly filled invocation) exercise the edges.
    const cases: [number[], number[], boolean, boolean][] = [
      [[13, 7], [7, 12], false, false],
      [[7, 13], [7, 12], true, false],
      [[13, 7], [12, 7], false, true],
      [[7, 13], [12, 7], true, true],
    ];
    for (const [aShape, bShape, ta, tb] of cases) {
      await expectSameOnWebGpu([aShape, bShape], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb));
    }
    expect(compiledPrograms().filter((key) => key.startsWith('capplanRowBlockMatMul')).length).toBe(4);
  });

  it('BatchMatMul: batched, single-entry broadcast, and model-sized products match cpu', async () => {
    await expectSameOnWebGpu([[2, 3, 5, 6], [2, 3, 6, 8]], (a, b) => tf.matMul(a, b));
    await expectSameOnWebGpu([[2, 3, 6, 5], [2, 3, 8, 6]], (a, b) => tf.matMul(a, b, true, true));
    await expectSameOnWebGpu([[2, 5, 6], [1, 6, 8]], (a, b) => tf.matMul(a, b));
    await expectSameOnWebGpu([[1, 2, 5, 6], [2, 6, 8]], (a, b) => tf.matMul(a, b));
    await expectSameOnWebGpu([[64, 32], [32, 256]], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
    await expectSameOnWebGpu([[16, 96], [96, 64]], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, false));
  });

  it('BatchMatMul: shapes it does not handle (columns not a multiple of 4) still match through the stock kernel', async () => {
    await expectSameOnWebGpu([[3, 5], [5, 6]], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
  });

  it('BatchMatMul: leaves no tensors behind', async () => {
    await initBackend('webgpu');
    const a = tf.tensor(values(6 * 5, 1), [2, 3, 5]);
    const b = tf.tensor(values(5 * 8, 2), [5, 8]);
    const before = tf.memory().numTensors;
    const y = tf.matMul(a, b);
    await y.data();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });

  it('Sum and Mean over innermost axes: our row shader runs and matches cpu (keepDims, several axes)', async () => {
    await expectSameOnWebGpu([[70, 33]], (x) => tf.mean(x, -1));
    await expectSameOnWebGpu([[4, 20, 5, 3]], (x) => tf.sum(x, [2, 3], true));
    await expectSameOnWebGpu([[80, 7]], (x) => tf.sum(x, 1));
    expect(compiledPrograms().some((key) => key.startsWith('capplanRows_mean'))).toBe(true);
    expect(compiledPrograms().some((key) => key.startsWith('capplanRows_sum'))).toBe(true);
    // Outer axes, few rows, and int32 go to the stock kernel and still match.
    await expectSameOnWebGpu([[70, 33]], (x) => tf.sum(x, 0));
    await expectSameOnWebGpu([[3, 50]], (x) => tf.mean(x, 1));
    await expectSameOnWebGpu([[90, 4]], (x) => tf.cast(tf.sum(tf.cast(tf.mul(x, 10), 'int32'), 1), 'float32'));
  });

  it('Softmax: our row shader runs and matches cpu, including large logits', async () => {
    await expectSameOnWebGpu([[2, 3, 16, 17]], (x) => tf.softmax(x));
    await expectSameOnWebGpu([[65, 9]], (x) => tf.softmax(tf.mul(x, 80)));
    expect(compiledPrograms().some((key) => key.startsWith('capplanRows_softmax'))).toBe(true);
  });

  it('UnsortedSegmentSum: our column scatter-add runs and matches cpu (duplicates, dropped ids, gather gradient)', async () => {
    const ids = [3, 0, 3, 7, -1, 2, 3, 9];
    // A released buffer of the output's size full of 7s first: the pool hands it back, so the zero fill is tested.
    const dirty = () => tf.dispose(tf.add(tf.fill([8 * 2 * 3], 7), 1));
    await expectSameOnWebGpu([[8, 2, 3]], (x) => (dirty(), tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 8)));
    expect(compiledPrograms().some((key) => key.startsWith('capplanZeroFill'))).toBe(true);
    // 5 outputs (not a multiple of 4) take tfjs's Fill for the zeros.
    await expectSameOnWebGpu([[8]], (x) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 5));
    expect(compiledPrograms().some((key) => key.startsWith('capplanColumnScatterAdd'))).toBe(true);
    // The embedding gradient: d/dtable of Σ w ⊙ gather(table, ids).
    await expectSameOnWebGpu([[10, 4], [6, 4]], (table, w) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([1, 4, 1, 9, 0, 1], 'int32')), w!)))(table!),
    );
  });

  it('Transpose: our run-wise shader runs and matches cpu for 2-D, rank-4 and int32 permutations', async () => {
    await expectSameOnWebGpu([[13, 7]], (x) => tf.transpose(x, [1, 0]));
    await expectSameOnWebGpu([[2, 3, 4, 5]], (x) => tf.transpose(x, [0, 2, 1, 3]));
    await expectSameOnWebGpu([[2, 3, 4, 5]], (x) => tf.transpose(x, [3, 1, 0, 2]));
    await expectSameOnWebGpu([[4, 3, 5]], (x) => tf.transpose(x, [2, 0, 1]));
    await expectSameOnWebGpu([[6, 5]], (x) => tf.cast(tf.transpose(tf.cast(tf.mul(x, 100), 'int32'), [1, 0]), 'float32'));
    expect(compiledPrograms().some((key) => key.startsWith('capplanRunCopy'))).toBe(true);
  });

  it('Slice and zero PadV2: our run copies match cpu (rank 1–4, offsets on every axis, int32, slice gradient)', async () => {
    await useBackend('webgpu');
    const { keys, stop } = recordPrograms();
    // Each case has ≥ 4096 output elements (smaller ones stay with tfjs) and must run our copy.
    const viaRunCopy = async (shape: number[], fn: (x: tf.Tensor) => tf.Tensor) => {
      keys.length = 0;
      await expectSameOnWebGpu([shape], fn);
      expect(keys, `${shape}`).toContain('capplanRunCopy');
    };
    try {
      await viaRunCopy([24, 2, 16, 16], (x) => tf.slice(x, [8, 0, 0, 0], [8, 2, 16, 16]));
      await viaRunCopy([5, 7, 40, 30], (x) => tf.slice(x, [1, 2, 3, 4], [4, 4, 27, 20]));
      await viaRunCopy([70, 90], (x) => tf.slice(x, [3, 5], [60, 80]));
      await viaRunCopy([9000], (x) => tf.slice(x, [17], [5000]));
      await viaRunCopy([60, 80], (x) => tf.cast(tf.slice(tf.cast(tf.mul(x, 100), 'int32'), [2, 1], [58, 79]), 'float32'));
      await viaRunCopy([8, 2, 16, 16], (x) => tf.pad(x, [[8, 8], [0, 0], [0, 0], [0, 0]]));
      await viaRunCopy([3, 5, 20, 7], (x) => tf.pad(x, [[1, 0], [2, 1], [0, 3], [4, 2]]));
      await viaRunCopy([60, 70], (x) => tf.pad(x, [[3, 0], [1, 2]]));
      // The gradient of a slice is a zero pad: both through our kernels.
      await viaRunCopy([24, 2, 16, 16], (x) => tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.slice(t, [8, 0, 0, 0], [8, 2, 16, 16]))))(x));
      expect(keys.filter((key) => key === 'capplanRunCopy').length).toBe(2);
      expect(keys).toContain('capplanZeroFill');
    } finally {
      stop();
    }
  });

  it('Slice and PadV2 they do not handle (non-zero constant, small) still match through the stock kernels', async () => {
    await expectSameOnWebGpu([[50, 70]], (x) => tf.pad(x, [[3, 0], [1, 2]], 2.5));
    await expectSameOnWebGpu([[5, 6]], (x) => tf.slice(x, [1, 1], [3, 4]));
  });
});
