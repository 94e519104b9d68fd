// The fused softcap + cross-entropy op (src/model/softcap-cross-entropy.ts) against the plain composition
// boundedSparseCrossEntropy(softcap(z)): values and logits gradients, on cpu and, when an adapter exists, on
// webgpu (Dawn; Mesa lavapipe here) with capplan's WGSL kernels.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { registerWebGpuKernels } from '../src/backend/webgpu-kernels.js';
import { boundedSparseCrossEntropy } from '../src/model/cross-entropy.js';
import { SOFTCAP } from '../src/model/gpt.js';
import { softcapCrossEntropy, useFusedSoftcapCrossEntropy } from '../src/model/softcap-cross-entropy.js';
import { maxRelDiff, scramble, tinyModel, tokens } from './model-fixtures.js';
import { initValues } from '../src/model/init.js';

const adapter = await probeWebGpu().catch((err: Error) => {
  console.warn(`fused cross-entropy webgpu tests skipped: Dawn failed to load (${err.message})`);
  return null;
});
if (!adapter && process.env.CI) throw new Error('CI must exercise the webgpu backend, but no adapter was found');

interface Case {
  rows: number;
  vocab: number;
  /** Row indices whose target is the ignore index −1. */
  ignored: number[];
}

/** Raw logits with std 12 (many beyond the cap, so the softcap saturates), targets spread over the vocab. */
function inputs({ rows, vocab, ignored }: Case): { z: tf.Tensor2D; targets: tf.Tensor1D; upstream: tf.Tensor1D } {
  const z = tf.tensor2d(initValues(5, 'z', rows * vocab, { kind: 'normal', std: 12 }), [rows, vocab]);
  const ids = Array.from({ length: rows }, (_, i) => (ignored.includes(i) ? -1 : (i * 7 + 3) % vocab));
  const targets = tf.tensor1d(ids, 'int32');
  // A different weight per row, so a gradient that mixes rows up cannot pass.
  const upstream = tf.tensor1d(initValues(6, 'dy', rows, { kind: 'normal', std: 1 }));
  return { z, targets, upstream };
}

type LossFn = (z: tf.Tensor2D, targets: tf.Tensor1D) => tf.Tensor1D;
const composition: LossFn = (z, targets) => boundedSparseCrossEntropy(tf.mul(tf.tanh(tf.mul(z, 1 / SOFTCAP)), SOFTCAP), targets);
const fused: LossFn = (z, targets) => softcapCrossEntropy(z, targets, SOFTCAP);

/** Losses and the gradient of Σ upstream·losses with respect to the raw logits, read back with data(). */
async function lossAndGradient(c: Case, fn: LossFn): Promise<{ losses: Float32Array; grad: Float32Array }> {
  const { z, targets, upstream } = inputs(c);
  const losses = fn(z, targets);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(fn(x as tf.Tensor2D, targets), upstream)))(z);
  const out = { losses: (await losses.data()) as Float32Array, grad: (await grad.data()) as Float32Array };
  tf.dispose([z, targets, upstream, losses, grad]);
  return out;
}

// vocab 12: rows read as vec4; vocab 7: the scalar variant. Rows 1 and 4 are ignored.
const CASES: Case[] = [
  { rows: 6, vocab: 12, ignored: [1, 4] },
  { rows: 5, vocab: 7, ignored: [1, 4] },
  { rows: 70, vocab: 256, ignored: [0] },
];

async function expectMatchesComposition(backend: 'cpu' | 'webgpu', c: Case): Promise<void> {
  await initBackend('cpu');
  const reference = await lossAndGradient(c, composition);
  await initBackend(backend);
  // initBackend installs the WGSL kernels only on a software adapter; the tests check them on any adapter.
  if (backend === 'webgpu') registerWebGpuKernels();
  const ours = await lossAndGradient(c, fused);
  // The composition sums exp(c) ≤ e^15 in float32 (the cpu kernel in float64): ~1e-5 relative is its
  // rounding, and a loss near 0 is lse − c[target] with both near 15, so it is compared absolutely below 0.1.
  expect(maxRelDiff(ours.losses, reference.losses, 1e-1)).toBeLessThan(1e-4);
  for (const row of c.ignored) expect(ours.losses[row]).toBe(0);
  // Gradients near zero (saturated logits: 1 − tanh² ≈ 0; the target's p − 1 with p ≈ 1, a float32
  // cancellation of ~1e-6) are compared absolutely below 1e-2; a wrong element is off by order 1.
  expect(maxRelDiff(ours.grad, reference.grad, 1e-2)).toBeLessThan(1e-3);
  for (const row of c.ignored) expect(ours.grad.subarray(row * c.vocab, (row + 1) * c.vocab).every((g) => g === 0)).toBe(true);
}

describe('fused softcap + cross-entropy on cpu', () => {
  it('matches the composition in value and logits gradient, with ignored rows', async () => {
    for (const c of CASES) await expectMatchesComposition('cpu', c);
  });

  it('is not what the model uses on cpu (the cpu path keeps its composition)', async () => {
    await initBackend('cpu');
    expect(useFusedSoftcapCrossEntropy()).toBe(false);
  });
});

describe.skipIf(!adapter)('fused softcap + cross-entropy on webgpu', () => {
  it('matches the cpu composition in value and logits gradient, vec4 and scalar rows', async () => {
    for (const c of CASES) await expectMatchesComposition('webgpu', c);
  });

  it('covers every element when the backward kernel loops (more vec4s than its invocations)', async () => {
    // 150001 × 7 scalar elements exceed the 2^20 invocations of one dispatch, so lanes take a second turn.
    await expectMatchesComposition('webgpu', { rows: 150_001, vocab: 7, ignored: [1, 150_000] });
  });

  it('is what the model loss uses on webgpu, and the loss and gradients equal cpu', async () => {
    async function lossAndGrads(): Promise<{ loss: number; grads: Float32Array[] }> {
      const model = tinyModel({ depth: 1, vocab: 64, seqLen: 8, seed: 2 });
      scramble(model);
      const x = tokens(2, 8, 64);
      // Two ignored targets (−1), as SFT data has.
      const ids = Array.from({ length: 16 }, (_, i) => (i === 3 || i === 10 ? -1 : (i * 13 + 5) % 64));
      const y = tf.tensor2d(ids, [2, 8], 'int32');
      const { value, grads } = tf.variableGrads(() => model.loss(x, y), [...model.params.values()]);
      const out = {
        loss: (await value.data())[0]!,
        grads: await Promise.all([...model.params.values()].map(async (p) => (await grads[p.name]!.data()) as Float32Array)),
      };
      tf.dispose([x, y, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    }
    await initBackend('cpu');
    const cpu = await lossAndGrads();
    await initBackend('webgpu');
    registerWebGpuKernels();
    expect(useFusedSoftcapCrossEntropy()).toBe(true);
    const before = tf.memory().numTensors;
    const gpu = await lossAndGrads();
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(gpu.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
    gpu.grads.forEach((g, i) => expect(maxRelDiff(g, cpu.grads[i]!, 1e-2)).toBeLessThan(1e-3));
  });
});
