import * as tf from '@tensorflow/tfjs';

/**
 * UnsortedSegmentSum as one linear scatter-add pass, registered for the `cpu` backend (whose own kernel
 * loops over every segment: for an embedding gradient that is one full pass over the gradient per vocabulary
 * entry) and for `wasm` (which has no kernel at all). It is what tf.gather's gradient calls, so embedding
 * lookups and the target-logit gather of the cross-entropy get fast gradients on both backends.
 */

type Values = Float32Array | Int32Array;

/**
 * out[ids[i]·inner + j] += x[i·inner + j] for every i with 0 ≤ ids[i] < numSegments (others are dropped, as
 * in TensorFlow). `out` must be zero-filled and hold numSegments·inner values.
 */
export function scatterAdd(x: Values, ids: ArrayLike<number>, inner: number, numSegments: number, out: Values): void {
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) out[dst + j]! += x[src + j]!;
  }
}

/** Output shape of UnsortedSegmentSum: [numSegments, …x.shape after the segment-id axes]. */
function segmentSumShape(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number): number[] {
  return [numSegments, ...x.shape.slice(segmentIds.shape.length)];
}

interface SegmentSumArgs {
  x: tf.TensorInfo;
  segmentIds: tf.TensorInfo;
  numSegments: number;
}

function unpack(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): SegmentSumArgs {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  return { x, segmentIds, numSegments };
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The parts of tfjs-backend-cpu's MathBackendCPU this kernel uses. */
interface CpuBackend {
  readSync(dataId: tf.DataId): Values;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo;
}

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses: tensors live in the wasm heap. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Values;
}

const cpuKernel: tf.KernelFunc = (args) => {
  const { x, segmentIds, numSegments } = unpack(args);
  const backend = args.backend as unknown as CpuBackend;
  const shape = segmentSumShape(x, segmentIds, numSegments);
  const out = x.dtype === 'int32' ? new Int32Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  const inner = sizeOf(shape.slice(1));
  scatterAdd(backend.readSync(x.dataId), backend.readSync(segmentIds.dataId), inner, numSegments, out);
  return backend.makeTensorInfo(shape, x.dtype, out);
};

const wasmKernel: tf.KernelFunc = (args) => {
  const { x, segmentIds, numSegments } = unpack(args);
  const backend = args.backend as unknown as WasmBackend;
  const shape = segmentSumShape(x, segmentIds, numSegments);
  const output = backend.makeOutput(shape, x.dtype);
  // Views are taken after makeOutput: allocating may grow the heap and detach earlier views.
  const out = backend.typedArrayFromHeap(output);
  out.fill(0);
  const inner = sizeOf(shape.slice(1));
  scatterAdd(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(segmentIds), inner, numSegments, out);
  return output;
};

const KERNEL = 'UnsortedSegmentSum';
let registered = false;

/**
 * Installs the scatter-add kernels (idempotent). Replaces tfjs's cpu kernel and fills wasm's gap; the webgpu
 * backend keeps its own atomic-add shader.
 */
export function registerScatterAddKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(KERNEL, 'cpu')) tf.unregisterKernel(KERNEL, 'cpu');
  tf.registerKernel({ kernelName: KERNEL, backendName: 'cpu', kernelFunc: cpuKernel });
  if (!tf.getKernel(KERNEL, 'wasm')) tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: wasmKernel });
}
