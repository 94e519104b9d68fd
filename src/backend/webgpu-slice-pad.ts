import * as tf from '@tensorflow/tfjs';
import { replaceWebGpuKernel, type WebGpuBackend } from './webgpu-program.js';
import { runCopy, stridesOf } from './webgpu-run-copy.js';
import { zeros } from './webgpu-scatter-add.js';

/**
 * Slice and PadV2 (a slice's gradient) for the webgpu backend on software adapters, as run copies
 * (webgpu-run-copy.ts): tfjs recovers every element's coordinates with integer divisions, which llvmpipe
 * runs lane by lane — a d2 step's q/k/v slices of [24, 2, 128, 64] took 3.3 ms each and their padded
 * gradients 6.3 ms. A pad with zeros is a vec4 zero fill plus a run copy into the interior. Rank ≤ 4,
 * float32 or int32, and (pad) a zero constant; everything else, and tensors too small to matter (which
 * tfjs may keep on the CPU), go to the stock kernels.
 */

/** Below this many elements the stock kernels are kept (tfjs runs small slices of CPU-resident data on the CPU). */
const MIN_ELEMENTS = 4096;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function handled(x: tf.TensorInfo, outShape: readonly number[]): boolean {
  const rank = x.shape.length;
  return (x.dtype === 'float32' || x.dtype === 'int32') && rank >= 1 && rank <= 4 && sizeOf(outShape) >= MIN_ELEMENTS;
}

function sliceKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [start, dims] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    if (!handled(x, dims)) return stock(args);
    tf.slice_util.assertParamsValid(x as tf.Tensor, start, dims);
    const strides = stridesOf(x.shape);
    const from = start.reduce((sum, b, i) => sum + b * strides[i]!, 0);
    const copy = { dims, from, sourceStrides: strides, to: 0, targetStrides: stridesOf(dims) };
    const out = runCopy(args.backend as unknown as WebGpuBackend, x, copy, sizeOf(dims));
    return { dataId: out.dataId, shape: dims, dtype: x.dtype };
  };
}

function padKernel(stock: tf.KernelFunc, fill: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { paddings, constantValue } = args.attrs as { paddings: Array<[number, number]>; constantValue: number };
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    if (constantValue !== 0 || x.dtype !== 'float32' || !handled(x, outShape) || sizeOf(x.shape) === 0) return stock(args);
    const backend = args.backend as unknown as WebGpuBackend;
    const outStrides = stridesOf(outShape);
    const to = paddings.reduce((sum, [before], i) => sum + before * outStrides[i]!, 0);
    const copy = { dims: x.shape, from: 0, sourceStrides: stridesOf(x.shape), to, targetStrides: outStrides };
    const output = zeros(backend, fill, sizeOf(outShape));
    const out = runCopy(backend, x, copy, sizeOf(outShape), output);
    return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
  };
}

let registered = false;

/** Installs the webgpu Slice and PadV2 (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuSlicePad(): void {
  if (registered) return;
  registered = true;
  const fill = tf.getKernel('Fill', 'webgpu');
  if (!fill) throw new Error('tfjs-backend-webgpu has no Fill kernel');
  replaceWebGpuKernel('Slice', (stock) => sliceKernel(stock.kernelFunc));
  replaceWebGpuKernel('PadV2', (stock) => padKernel(stock.kernelFunc, fill.kernelFunc));
}
