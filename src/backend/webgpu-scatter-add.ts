import * as tf from '@tensorflow/tfjs';
import { FlatProgram, replaceWebGpuKernel, type WebGpuBackend } from './webgpu-program.js';

/**
 * UnsortedSegmentSum (tf.gather's gradient: the embedding gradient and the cross-entropy's target-logit
 * gradient) for the webgpu backend without atomics. tfjs adds every element with a compare-exchange loop on
 * an atomic<i32>, which a software adapter (lavapipe) runs lane by lane; a d2 step spent 45–110 ms in it.
 * Here one invocation owns one column j of the inner axes and walks the rows in order, adding row i's
 * value to out[ids[i], j]: no two invocations ever touch the same element, so no atomics are needed, and
 * the sums come out in a fixed order (deterministic, unlike atomics). Output starts zero-filled; ids
 * outside [0, numSegments) are dropped, as in TensorFlow.
 */


class ColumnScatterAddProgram extends FlatProgram {
  readonly variableNames = ['x', 'segmentIds'];
  readonly uniforms = 'rows : i32, inner : i32, numSegments : i32,';
  readonly shaderKey = 'capplanColumnScatterAdd';

  constructor(outputSize: number, inner: number) {
    super([outputSize], inner);
  }

  getUserCode(): string {
    // tfjs calls main(index) with the flat invocation index when the dispatch layout has only an x axis.
    return `
  fn main(index : i32) {
    let inner = uniforms.inner;
    if (index >= inner) { return; }
    for (var i = 0; i < uniforms.rows; i = i + 1) {
      let segment = segmentIds[i];
      if (segment >= 0 && segment < uniforms.numSegments) {
        let out = segment * inner + index;
        result[out] = result[out] + x[i * inner + index];
      }
    }
  }`;
  }
}

/**
 * Zeros as vec4 stores, for the output: tfjs's Fill writes one float per invocation (31–49 ms for the 4M
 * floats of the target-logit gradient on lavapipe).
 */
class ZeroFillProgram extends FlatProgram {
  readonly variableNames: string[] = [];
  readonly outputComponent = 4;
  readonly shaderKey = 'capplanZeroFill';

  constructor(size: number) {
    super([size], size / 4);
  }

  getUserCode(): string {
    return `
  fn main(index : i32) {
    if (index < uniforms.outShape / 4) { result[index] = vec4<f32>(0.0); }
  }`;
  }
}

/** A zeroed float32 buffer of `size` elements (vec4 stores when size allows); also the zero pad's base. */
export function zeros(backend: WebGpuBackend, fill: tf.KernelFunc, size: number): tf.TensorInfo {
  if (size % 4 === 0) return backend.runWebGPUProgram(new ZeroFillProgram(size), [], 'float32');
  return fill({ inputs: {}, backend: backend as unknown as tf.KernelBackend, attrs: { shape: [size], value: 0, dtype: 'float32' } }) as tf.TensorInfo;
}

function scatterAddKernel(stock: tf.KernelFunc, fill: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (args.attrs as { numSegments: number }).numSegments;
    const rows = segmentIds.shape[0] ?? 0;
    if (x.dtype !== 'float32' || segmentIds.shape.length !== 1 || x.shape[0] !== rows) return stock(args);
    const backend = args.backend as unknown as WebGpuBackend;
    const innerShape = x.shape.slice(1);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const shape = [numSegments, ...innerShape];
    const output = zeros(backend, fill, numSegments * inner);
    if (rows === 0 || inner === 0) return { dataId: output.dataId, shape, dtype: 'float32' };
    const flatX = { dataId: x.dataId, shape: [rows * inner], dtype: x.dtype };
    const uniforms = [rows, inner, numSegments].map((v) => ({ type: 'int32' as const, data: [v] }));
    const out = backend.runWebGPUProgram(new ColumnScatterAddProgram(numSegments * inner, inner), [flatX, segmentIds], 'float32', uniforms, output);
    return { dataId: out.dataId, shape, dtype: 'float32' };
  };
}

let registered = false;

/** Installs the webgpu scatter-add (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuScatterAdd(): void {
  if (registered) return;
  registered = true;
  const fill = tf.getKernel('Fill', 'webgpu');
  if (!fill) throw new Error('tfjs-backend-webgpu has no Fill kernel');
  replaceWebGpuKernel('UnsortedSegmentSum', (stock) => scatterAddKernel(stock.kernelFunc, fill.kernelFunc));
}
