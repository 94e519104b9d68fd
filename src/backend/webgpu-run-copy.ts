import type * as tf from '@tensorflow/tfjs';
import { FlatProgram, type WebGpuBackend } from './webgpu-program.js';

/**
 * A strided copy by runs, the shared core of Transpose, Slice and PadV2 for software adapters: the copy is
 * seen as rows × run elements (rank ≤ 4 after padding: rows = d0·d1·d2, run = d3), and one invocation
 * copies one run. It recovers its row's coordinates with integer divisions once (AVX2 has no vector
 * division, so LLVM runs them lane by lane: tfjs's per-element coordinate recovery is what made those
 * kernels slow on lavapipe), then steps through source and destination with constant strides.
 */
class RunCopyProgram extends FlatProgram {
  readonly variableNames = ['x'];
  // s0…s2, sRun: source strides of copy axes 0…3; t0…t2: destination strides of axes 0…2 (the run is
  // contiguous in the destination); srcOffset / dstOffset: element offsets of the copy's origin.
  readonly uniforms = 'rows : i32, run : i32, d1 : i32, d2 : i32, s0 : i32, s1 : i32, s2 : i32, sRun : i32, srcOffset : i32, t0 : i32, t1 : i32, t2 : i32, dstOffset : i32,';
  readonly shaderKey = 'capplanRunCopy';

  constructor(outputSize: number, rows: number) {
    super([outputSize], rows);
  }

  getUserCode(): string {
    // tfjs calls main(index) with the flat invocation index when the dispatch layout has only an x axis.
    return `
  fn main(index : i32) {
    if (index >= uniforms.rows) { return; }
    let c2 = index % uniforms.d2;
    let c01 = index / uniforms.d2;
    let c1 = c01 % uniforms.d1;
    let c0 = c01 / uniforms.d1;
    let src = uniforms.srcOffset + c0 * uniforms.s0 + c1 * uniforms.s1 + c2 * uniforms.s2;
    let dst = uniforms.dstOffset + c0 * uniforms.t0 + c1 * uniforms.t1 + c2 * uniforms.t2;
    for (var j = 0; j < uniforms.run; j = j + 1) {
      result[dst + j] = x[src + j * uniforms.sRun];
    }
  }`;
  }
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/**
 * A copy of `dims` elements (rank 1–4): the source strides of every axis and the source offset, the
 * destination strides of every axis (the last must be 1: runs are contiguous there) and offset.
 */
export interface RunCopy {
  dims: readonly number[];
  from: number;
  sourceStrides: readonly number[];
  to: number;
  targetStrides: readonly number[];
}

/** Leading 1-sized axes (stride 0) up to rank 4. */
function toRank4(values: readonly number[], fill: number): number[] {
  return [...Array<number>(4 - values.length).fill(fill), ...values];
}

/**
 * Runs `copy` from `x` into a new flat tensor of `outputSize` elements, or into `output` (then the
 * elements the copy does not cover keep their values).
 */
export function runCopy(backend: WebGpuBackend, x: tf.TensorInfo, copy: RunCopy, outputSize: number, output?: tf.TensorInfo): tf.TensorInfo {
  const dims = toRank4(copy.dims, 1);
  const source = toRank4(copy.sourceStrides, 0);
  const target = toRank4(copy.targetStrides, 0);
  const rows = dims[0]! * dims[1]! * dims[2]!;
  const values = [rows, dims[3]!, dims[1]!, dims[2]!, source[0]!, source[1]!, source[2]!, source[3]!, copy.from, target[0]!, target[1]!, target[2]!, copy.to];
  const uniforms = values.map((v) => ({ type: 'int32' as const, data: [v] }));
  const size = x.shape.reduce((a, b) => a * b, 1);
  const flatX = { dataId: x.dataId, shape: [size], dtype: x.dtype };
  return backend.runWebGPUProgram(new RunCopyProgram(outputSize, rows), [flatX], x.dtype, uniforms, output);
}
