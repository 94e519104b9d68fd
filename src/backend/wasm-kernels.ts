import * as tf from '@tensorflow/tfjs';
import { batchedProduct, parallelWorthIt, wideProduct, type WasmBackend } from './wasm-matmul.js';
import { sliceInto, transposeInto } from './strided-copy.js';

/**
 * Replacements for tfjs-backend-wasm kernels that were among the largest items of a profiled step:
 * - BatchMatMul: the wasm backend hands XNNPACK's fast GEMM only an untransposed product with one batch
 *   entry; a batch (attention's [B·H, T, hd] products: 20 ms for [16,128,128]×[16,128,64]) or a transpose
 *   flag (Muon's X·Xᵀ: 13–50× slower) falls back to a naive loop. Ours feeds XNNPACK one plain 2-D product
 *   per batch entry (1.4 ms for the same product), in column blocks when wide, and shares large products
 *   with the matMul pool's threads (wasm-matmul.ts).
 * - Transpose and Slice: see strided-copy.ts (55 ms → 27 ms for a [1024, 4096] transpose; q/k/v slices become
 *   single block copies).
 * - Identity: shares storage instead of copying.
 * All run on tensors in the wasm heap, so no data leaves backend memory.
 */

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const transposeKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const perm = (attrs as { perm: number[] }).perm;
  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
  transposeInto(wasm.typedArrayFromHeap(x), x.shape, perm, wasm.typedArrayFromHeap(out));
  return out;
};

/**
 * Identity shares the input's storage (as Reshape does) instead of copying it: tf.customGrad passes every
 * output through Identity, six [B·T, V] copies per d4 step (28 ms profiled).
 */
const identityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

const sliceKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as { begin: number | number[]; size: number | number[] };
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput(extent, x.dtype);
  sliceInto(wasm.typedArrayFromHeap(x), x.shape, start, extent, wasm.typedArrayFromHeap(out));
  return out;
};

/** Leading (batch) axes of the product when they are equal, or one side has a single entry; else null. */
function batchAxes(a: readonly number[], b: readonly number[]): number[] | null {
  const [sizeA, sizeB] = [sizeOf(a), sizeOf(b)];
  if (sizeA === 1) return sizeB === 1 && a.length > b.length ? [...a] : [...b];
  if (sizeB === 1) return [...a];
  return a.length === b.length && a.every((d, i) => d === b[i]) ? [...a] : null;
}

function batchMatMulKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const outer = batchAxes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = outer ? sizeOf(outer) : 0;
    // The stock kernel is fast exactly for a single untransposed product; general broadcasts and non-float
    // operands (which it rejects with a clear error) stay with it too.
    const plainFloat = a.dtype === 'float32' && b.dtype === 'float32';
    if (!outer || !plainFloat) return stock(args);
    const m = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
    const k = transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
    const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    if (!transposeA && !transposeB && batch === 1 && !wideProduct(k, n) && !parallelWorthIt(m * k * n)) return stock(args);
    const stockProduct = (ai: tf.TensorInfo, bi: tf.TensorInfo) =>
      stock({ inputs: { a: ai, b: bi }, backend: args.backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    return batchedProduct(args.backend as unknown as WasmBackend, stockProduct, a, b, transposeA, transposeB, outer);
  };
}

function replace(kernelName: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, 'wasm');
  if (!stock) throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel to replace`);
  tf.unregisterKernel(kernelName, 'wasm');
  // The stock setupFunc binds the wasm function the stock kernelFunc calls; ours delegates to it.
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: make(stock), setupFunc: stock.setupFunc });
}

let registered = false;

/** Installs the wasm kernels (idempotent). Call after '@tensorflow/tfjs-backend-wasm' has been imported. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  replace('BatchMatMul', (stock) => batchMatMulKernel(stock.kernelFunc));
  replace('Transpose', () => transposeKernel);
  replace('Slice', () => sliceKernel);
  replace('Identity', (stock) => (args) => ((args.inputs.x as tf.TensorInfo).dtype === 'string' ? stock.kernelFunc(args) : identityKernel(args)));
}
