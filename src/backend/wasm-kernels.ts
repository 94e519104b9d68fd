import * as tf from '@tensorflow/tfjs';
import { sliceInto, transposeInto } from './strided-copy.js';

/**
 * Replacements for three tfjs-backend-wasm kernels that were among the largest items of a profiled step:
 * - BatchMatMul: the wasm backend hands XNNPACK's fast GEMM only an untransposed product with one batch
 *   entry; a batch (attention's [B·H, T, hd] products: 20 ms for [16,128,128]×[16,128,64]) or a transpose
 *   flag (Muon's X·Xᵀ: 13–50× slower) falls back to a naive loop. Ours splits the batch into one XNNPACK
 *   call per entry (1.4 ms for the same product) and materialises flagged operands with a JS transpose.
 * - Transpose and Slice: see strided-copy.ts (55 ms → 27 ms for a [1024, 4096] transpose; q/k/v slices become
 *   single block copies).
 * All three run on tensors in the wasm heap, so no data leaves backend memory.
 */

type Values = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Values;
  disposeData(dataId: tf.DataId): boolean;
}

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
 * Entry `index` of an operand [...batch, r, c] as an untransposed 2-D heap tensor: a copy, or the operand
 * itself when it has a single entry and needs no transpose.
 */
const sliceKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as { begin: number | number[]; size: number | number[] };
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput(extent, x.dtype);
  sliceInto(wasm.typedArrayFromHeap(x), x.shape, start, extent, wasm.typedArrayFromHeap(out));
  return out;
};

function plainEntry(wasm: WasmBackend, x: tf.TensorInfo, index: number, transposed: boolean): { info: tf.TensorInfo; owned: boolean } {
  const [r, c] = x.shape.slice(-2) as [number, number];
  const batch = sizeOf(x.shape.slice(0, -2));
  if (batch === 1 && !transposed) return { info: x, owned: false };
  const entry = batch === 1 ? 0 : index;
  const info = wasm.makeOutput(transposed ? [c, r] : [r, c], 'float32');
  // Views are taken after makeOutput: allocating may grow the heap and detach earlier views.
  const src = wasm.typedArrayFromHeap(x).subarray(entry * r * c, (entry + 1) * r * c);
  const dst = wasm.typedArrayFromHeap(info);
  if (transposed) transposeInto(src, [r, c], [1, 0], dst);
  else dst.set(src);
  return { info, owned: true };
}

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
    if (!outer || !plainFloat || (!transposeA && !transposeB && batch === 1)) return stock(args);
    const wasm = args.backend as unknown as WasmBackend;
    const m = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
    const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    const out = wasm.makeOutput([...outer, m, n], 'float32');
    const plain = { transposeA: false, transposeB: false };
    for (let i = 0; i < batch; i++) {
      const ai = plainEntry(wasm, a, i, transposeA);
      const bi = plainEntry(wasm, b, i, transposeB);
      const product = stock({ inputs: { a: ai.info, b: bi.info }, backend: args.backend, attrs: plain }) as tf.TensorInfo;
      wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(product), i * m * n);
      wasm.disposeData(product.dataId);
      if (ai.owned) wasm.disposeData(ai.info.dataId);
      if (bi.owned) wasm.disposeData(bi.info.dataId);
    }
    return out;
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
}
