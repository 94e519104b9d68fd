import * as tf from '@tensorflow/tfjs';
import { replaceWebGpuKernel, type WebGpuBackend } from './webgpu-program.js';
import { runCopy, stridesOf, type RunCopy } from './webgpu-run-copy.js';

/**
 * Transpose for the webgpu backend on software adapters. tfjs's shaders either tile a 2-D transpose through
 * workgroup memory with barriers (coroutine switches under llvmpipe) or recover every output element's
 * coordinates with integer divisions, which AVX2 lacks, so LLVM runs them one lane at a time: a d2 step
 * spent 160 ms in transposes. Here one invocation writes one run along the output's last axis
 * (webgpu-run-copy.ts): the divisions happen once per run, then the loop steps through the input with a
 * constant stride.
 */

/** The copy that transposes `shape` by `perm` (rank 1–4): output dims, the input strides of those axes. */
function transposeCopy(shape: readonly number[], perm: readonly number[]): RunCopy {
  const inStrides = stridesOf(shape);
  const dims = perm.map((p) => shape[p]!);
  return { dims, from: 0, sourceStrides: perm.map((p) => inStrides[p]!), to: 0, targetStrides: stridesOf(dims) };
}

function transposeKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const perm = (args.attrs as { perm: number[] }).perm;
    const size = x.shape.reduce((a, b) => a * b, 1);
    const supported = (x.dtype === 'float32' || x.dtype === 'int32') && perm.length >= 1 && perm.length <= 4 && size > 0;
    if (!supported) return stock(args);
    const out = runCopy(args.backend as unknown as WebGpuBackend, x, transposeCopy(x.shape, perm), size);
    return { dataId: out.dataId, shape: perm.map((p) => x.shape[p]!), dtype: x.dtype };
  };
}

let registered = false;

/** Installs the webgpu Transpose (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuTranspose(): void {
  if (registered) return;
  registered = true;
  replaceWebGpuKernel('Transpose', (stock) => transposeKernel(stock.kernelFunc));
}
