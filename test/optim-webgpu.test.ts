// The optimizer on the webgpu path (Dawn; Mesa lavapipe on machines without a GPU): the fused Newton–Schulz
// kernel and the fused element-wise updates, each against the plain composition on the cpu backend, and a
// whole ModelOptimizers step without CPU readbacks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { NEWTON_SCHULZ_KERNEL, orthogonalise } from '../src/train/optim/newton-schulz.js';
import { adamwStep, movingAverage, scaledSubtract } from '../src/train/optim/fused-updates.js';
import type { ParamGroup } from '../src/model/params.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { OptimSectionSchema } from '../src/config/train-schema.js';
import { maxRelDiff, seededValues, sizeOf } from './model-fixtures.js';
import { expectSameOnWebGpu, recordPrograms, useBackend, webGpuAdapterOrSkip } from './helpers/webgpu.js';

const adapter = await webGpuAdapterOrSkip('webgpu optimizer tests');

/** Names of the webgpu programs `fn` runs. */
async function programsRun(fn: () => tf.Tensor): Promise<string[]> {
  await useBackend('webgpu');
  const { keys, stop } = recordPrograms();
  try {
    const out = fn();
    await out.data();
    out.dispose();
  } finally {
    stop();
  }
  return keys;
}

const optimCfg = OptimSectionSchema.parse({ device_batch_size: 1, total_batch_tokens: 8 });

/** A tiny model's parameter set: two AdamW matrices and Muon matrices of two shapes (one tall), with their groups. */
const TINY_PARAMS: ReadonlyMap<string, { shape: number[]; group: ParamGroup }> = new Map([
  ['wte', { shape: [40, 16], group: 'embedding' }],
  ['h.0.attn.q', { shape: [16, 16], group: 'matrix' }],
  ['h.0.attn.k', { shape: [16, 16], group: 'matrix' }],
  ['h.0.mlp.fc', { shape: [16, 64], group: 'matrix' }],
  ['h.0.mlp.proj', { shape: [64, 16], group: 'matrix' }],
  ['lm_head', { shape: [16, 40], group: 'unembedding' }],
]);
const paramGroups = new Map([...TINY_PARAMS].map(([name, { group }]) => [name, group]));

/** Three ModelOptimizers steps on seeded gradients; the parameters afterwards, by name. */
async function optimizerSteps(backend: 'cpu' | 'webgpu'): Promise<Map<string, Float32Array>> {
  await useBackend(backend);
  const params = new Map(
    [...TINY_PARAMS].map(([name, { shape }], i) => [name, tf.tidy(() => tf.variable(tf.tensor(seededValues(sizeOf(shape), 3 + i), shape), true))]),
  );
  const optim = new ModelOptimizers({ params, paramGroups, dims: { dModel: 16 } }, optimCfg);
  for (let step = 0; step < 3; step++) {
    const grads = new Map([...params].map(([name, p], i) => [name, tf.tensor(seededValues(p.size, 100 * step + i), p.shape)] as [string, tf.Tensor]));
    optim.step(grads, step, 3);
    tf.dispose([...grads.values()]);
  }
  const out = new Map<string, Float32Array>();
  for (const [name, p] of params) out.set(name, (await p.data()) as Float32Array);
  optim.dispose();
  tf.dispose([...params.values()]);
  return out;
}

describe.skipIf(!adapter)('optimizer on webgpu', () => {
  it('fused Newton–Schulz matches the composition: batched, wide, tall, square, and sides that need padding', async () => {
    const cases: number[][] = [[3, 16, 40], [40, 16], [2, 24, 24], [2, 12, 20], [2, 13, 7], [1, 32, 128]];
    for (const shape of cases) {
      // After five quintic iterations the singular values sit in [0.7, 1.2]: entries are O(1/√rows).
      await expectSameOnWebGpu([shape], (g) => orthogonalise(g as tf.Tensor3D), 2e-4, 1e-2);
    }
    const keys = await programsRun(() => orthogonalise(tf.tensor(seededValues(2 * 16 * 40, 1), [2, 16, 40]) as tf.Tensor3D));
    expect(keys.filter((k) => k === 'capplanRowBlockMatMul_true_false_symmetric')).toHaveLength(5);
    expect(keys.filter((k) => k === 'capplanRowBlockMatMul_false_false_symmetric_epilogue')).toHaveLength(5);
    expect(keys.filter((k) => k === 'capplanRowBlockMatMul_false_false_epilogue')).toHaveLength(5);
  });

  it('fused Newton–Schulz leaves no tensors behind and is registered for webgpu only', async () => {
    await useBackend('webgpu');
    expect(tf.getKernel(NEWTON_SCHULZ_KERNEL, 'webgpu')).toBeDefined();
    expect(tf.getKernel(NEWTON_SCHULZ_KERNEL, 'cpu')).toBeUndefined();
    const g = tf.tensor(seededValues(2 * 12 * 20, 5), [2, 12, 20]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const o = orthogonalise(g);
    await o.data();
    o.dispose();
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });

  it('fused element-wise updates match their compositions (vec4 and scalar sizes)', async () => {
    for (const shape of [[16, 12], [7, 3]]) {
      await expectSameOnWebGpu([shape, shape], (s, g) => movingAverage(s!, g!, 0.95), 1e-6);
      await expectSameOnWebGpu([shape, shape], (s, g) => movingAverage(s!, g!, 0.8, true), 1e-6);
      await expectSameOnWebGpu([shape, shape], (p, u) => scaledSubtract(p!, u!, 0.02), 1e-6);
      // v must be non-negative, as a second moment is.
      const attrs = { lr: 0.01, decay: 0.1, correction1: 0.36, correction2: 0.0975, eps: 1e-10 };
      await expectSameOnWebGpu([shape, shape, shape], (p, m, v) => adamwStep(p!, m!, tf.abs(v!), attrs), 1e-5);
    }
    const keys = await programsRun(() => movingAverage(tf.ones([8]), tf.ones([8]), 0.9));
    expect(keys).toEqual(['capplanOptimizerUpdate_movingAverage_4']);
  });

  it('three ModelOptimizers steps give the cpu composition’s parameters, with no readback and flat tensors', async () => {
    const cpu = await optimizerSteps('cpu');
    await initBackend('webgpu');
    const backend = tf.backend() as unknown as { read: (...args: unknown[]) => unknown; readSync: (...args: unknown[]) => unknown };
    const [read, readSync] = [backend.read, backend.readSync];
    let readbacks = 0;
    backend.read = function (...args) {
      readbacks++;
      return read.apply(this, args);
    };
    backend.readSync = function (...args) {
      readbacks++;
      return readSync.apply(this, args);
    };
    try {
      // Count readbacks of the steps alone: optimizerSteps reads the parameters once at the end (6 reads).
      const gpu = await optimizerSteps('webgpu');
      expect(readbacks).toBe(TINY_PARAMS.size);
      for (const [name, values] of cpu) expect(maxRelDiff(gpu.get(name)!, values, 1e-2), name).toBeLessThan(2e-4);
    } finally {
      backend.read = read;
      backend.readSync = readSync;
    }
    const before = tf.memory().numTensors;
    await optimizerSteps('webgpu');
    expect(tf.memory().numTensors).toBe(before);
  });
});
