// The GPU code path: the same tiny model on cpu and on webgpu (Dawn; Mesa lavapipe on machines without a GPU).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { maxRelDiff, scramble, tinyModel, tokens } from './model-fixtures.js';

const adapter = await probeWebGpu().catch((err: Error) => {
  console.warn(`webgpu tests skipped: Dawn failed to load (${err.message})`);
  return null;
});
if (!adapter) console.warn('webgpu tests skipped: no WebGPU adapter (install Mesa >= 25: sudo bash .ci/install-deps.sh)');
// CI installs lavapipe precisely so that the GPU code path runs on every submission: never skip there.
if (!adapter && process.env.CI) throw new Error('CI must exercise the webgpu backend, but no adapter was found');

interface StepResult {
  loss: number;
  logits: Float32Array;
  grads: Map<string, Float32Array>;
}

/** Reads with data(): webgpu's dataSync needs OffscreenCanvas, which Node lacks. */
async function tinyStep(): Promise<StepResult> {
  const model = tinyModel({ depth: 2, vocab: 64, seqLen: 8, seed: 4 });
  scramble(model);
  const x = tokens(2, 8, 64);
  const y = tokens(2, 8, 64, 1);
  const logitsTensor = model.logits(x);
  const logits = (await logitsTensor.data()) as Float32Array;
  const { value, grads } = tf.variableGrads(() => model.loss(x, y), [...model.params.values()]);
  const byName = new Map<string, Float32Array>();
  for (const [name, p] of model.params) byName.set(name, (await grads[p.name]!.data()) as Float32Array);
  const loss = (await value.data())[0]!;
  tf.dispose([value, x, y, logitsTensor, ...Object.values(grads)]);
  model.dispose();
  return { loss, logits, grads: byName };
}

describe.skipIf(!adapter)('webgpu backend', () => {
  it('reports the adapter and matches cpu on a tiny forward + loss + gradients', async () => {
    await initBackend('cpu');
    const cpu = await tinyStep();
    const info = await initBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(info.adapter).toBe(adapter!.description);
    const gpu = await tinyStep();
    expect(Math.abs(gpu.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
    // Logits near zero are compared absolutely (floor 0.1): lavapipe's tanh/exp differ from cpu by ~1e-6
    // absolute, which is fp32 noise, not a bug; a wrong kernel gives differences of order 1.
    expect(maxRelDiff(gpu.logits, cpu.logits, 1e-1)).toBeLessThan(1e-4);
    for (const [name, g] of cpu.grads) expect(maxRelDiff(gpu.grads.get(name)!, g, 1e-2), name).toBeLessThan(1e-3);
  });

  it('keeps the tensor count flat across steps on webgpu', async () => {
    await initBackend('webgpu');
    await tinyStep();
    const after1 = tf.memory().numTensors;
    await tinyStep();
    await tinyStep();
    expect(tf.memory().numTensors).toBe(after1);
  });
});
