import * as tf from '@tensorflow/tfjs';
import { FlatProgram, replaceWebGpuKernel, type WebGpuBackend } from './webgpu-program.js';

/**
 * Transpose for the webgpu backend on software adapters. tfjs's shaders either tile a 2-D transpose through
 * workgroup memory with barriers (coroutine switches under llvmpipe) or recover every output element's
 * coordinates with integer divisions, which AVX2 lacks, so LLVM runs them one lane at a time: a d2 step
 * spent 160 ms in transposes. Here one invocation writes one run along the output's last axis: the
 * divisions happen once per run, then the loop steps through the input with a constant stride.
 */


class RunTransposeProgram extends FlatProgram {
  readonly variableNames = ['x'];
  // Output viewed as [rows = d0·d1·d2, run]; s0…s2 and sRun are the input strides of output axes 0…2 and
  // of the last one.
  readonly uniforms = 'rows : i32, run : i32, d1 : i32, d2 : i32, s0 : i32, s1 : i32, s2 : i32, sRun : i32,';
  readonly shaderKey = 'capplanRunTranspose';

  constructor(size: number, rows: number) {
    super([size], rows);
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
    let src = c0 * uniforms.s0 + c1 * uniforms.s1 + c2 * uniforms.s2;
    let dst = index * uniforms.run;
    for (var j = 0; j < uniforms.run; j = j + 1) {
      result[dst + j] = x[src + j * uniforms.sRun];
    }
  }`;
  }
}

/** Row-major strides of `shape`. */
function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** The uniforms of a transpose of `shape` by `perm` (rank 1–4): output dims and input strides, padded to rank 4. */
export function runLayout(shape: readonly number[], perm: readonly number[]): { rows: number; values: number[] } {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const outStrides = perm.map((p) => inStrides[p]!);
  const pad = 4 - perm.length;
  const dims = [...Array<number>(pad).fill(1), ...outShape];
  const strides = [...Array<number>(pad).fill(0), ...outStrides];
  const rows = dims[0]! * dims[1]! * dims[2]!;
  return { rows, values: [rows, dims[3]!, dims[1]!, dims[2]!, strides[0]!, strides[1]!, strides[2]!, strides[3]!] };
}

function transposeKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const perm = (args.attrs as { perm: number[] }).perm;
    const size = x.shape.reduce((a, b) => a * b, 1);
    const supported = (x.dtype === 'float32' || x.dtype === 'int32') && perm.length >= 1 && perm.length <= 4 && size > 0;
    if (!supported) return stock(args);
    const backend = args.backend as unknown as WebGpuBackend;
    const { rows, values } = runLayout(x.shape, perm);
    const flatX = { dataId: x.dataId, shape: [size], dtype: x.dtype };
    const uniforms = values.map((v) => ({ type: 'int32' as const, data: [v] }));
    const out = backend.runWebGPUProgram(new RunTransposeProgram(size, rows), [flatX], x.dtype, uniforms);
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
