// Shared by the webgpu kernel tests: the adapter (or a skip), and our kernels against the plain composition.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { probeWebGpu, type WebGpuAdapter } from '../../src/backend/webgpu.js';
import { registerWebGpuKernels } from '../../src/backend/webgpu-kernels.js';
import { maxRelDiff, seededValues, sizeOf } from '../model-fixtures.js';

/** This machine's WebGPU adapter (Mesa lavapipe without a GPU), or null with a warning naming `what` is skipped. */
export async function webGpuAdapterOrSkip(what: string): Promise<WebGpuAdapter | null> {
  const adapter = await probeWebGpu().catch((err: Error) => {
    console.warn(`${what} skipped: Dawn failed to load (${err.message})`);
    return null;
  });
  // CI installs lavapipe precisely so that the GPU code path runs on every submission: never skip there.
  if (!adapter && process.env.CI) throw new Error('CI must exercise the webgpu backend, but no adapter was found');
  return adapter;
}

/** Makes `backend` active, with our webgpu kernels installed whatever the adapter (initBackend does so only on software ones). */
export async function useBackend(backend: 'cpu' | 'webgpu'): Promise<void> {
  await initBackend(backend);
  if (backend === 'webgpu') registerWebGpuKernels();
}

/** `fn` on fresh seeded tensors of the given shapes on `backend`; read with data() (webgpu has no dataSync). */
export async function runOn(backend: 'cpu' | 'webgpu', shapes: number[][], fn: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  await useBackend(backend);
  const xs = shapes.map((shape, i) => tf.tensor(seededValues(sizeOf(shape), 11 + i), shape));
  const out = fn(...xs);
  const data = (await out.data()) as Float32Array;
  tf.dispose([out, ...xs]);
  return data;
}

/**
 * `fn` on webgpu with our kernels against the cpu composition: relative differences below `tolerance`, values
 * nearer zero than `floor` compared absolutely (fused multiply-adds round differently from cpu's loops).
 */
export async function expectSameOnWebGpu(shapes: number[][], fn: (...xs: tf.Tensor[]) => tf.Tensor, tolerance = 1e-5, floor = 1e-1): Promise<void> {
  const reference = await runOn('cpu', shapes, fn);
  const ours = await runOn('webgpu', shapes, fn);
  expect(ours.length).toBe(reference.length);
  expect(maxRelDiff(ours, reference, floor)).toBeLessThan(tolerance);
}

/**
 * Records the shader key of every program the active webgpu backend runs from now on, until `stop()`
 * (call it in a finally): which kernels an op really used.
 */
export function recordPrograms(): { keys: string[]; stop: () => void } {
  const backend = tf.backend() as unknown as { runWebGPUProgram: (program: { shaderKey: string }, ...rest: unknown[]) => unknown };
  const run = backend.runWebGPUProgram;
  const keys: string[] = [];
  backend.runWebGPUProgram = function (program, ...rest) {
    keys.push(program.shaderKey);
    return run.call(this, program, ...rest);
  };
  return { keys, stop: () => (backend.runWebGPUProgram = run) };
}
