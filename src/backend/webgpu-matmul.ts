import * as tf from '@tensorflow/tfjs';
import { replaceWebGpuKernel, type WebGpuBackend, type WebGpuProgram } from './webgpu-program.js';

/**
 * BatchMatMul for the webgpu backend, shaped for software adapters (Mesa lavapipe/llvmpipe), where tfjs's
 * 32×32 tiles through workgroup memory ran at 1.7–2.2 GFLOP/s on the model's products. llvmpipe runs a
 * workgroup's invocations as the SIMD lanes of one CPU thread; barriers become coroutine switches, and
 * storage loads are expensive (bench/NOTES.md). So: no
 * workgroup memory, no barriers, and as many multiply-adds per load as the registers allow — each
 * invocation keeps a ROWS × 4·COLS4 block of C in vec4 accumulators and, per step of the inner dimension,
 * loads ROWS scalars of A and COLS4 vec4s of B for ROWS·COLS4 vec4 multiply-adds (64 FMAs per 10 loads).
 * Measured 3–5× faster than the stock kernel on the d2 shapes (bench/NOTES.md).
 *
 * Handles float32 operands of rank ≥ 2 whose batch axes are equal or a single entry on one side, with a
 * column count that is a multiple of 4 (all the model's products). Transpose flags read the operand the
 * other way round (for B: four scalar loads per vec4). Everything else goes to the stock kernel.
 */

/**
 * Each invocation computes ROWS × 4·COLS4 outputs. On lavapipe (2 threads) 8 × 8 was the best or level with
 * the best of ten block shapes from 2 × 4 to 16 × 8 on the model's products (bench/NOTES.md).
 */
const ROWS = 8;
const COLS4 = 2;

/**
 * Invocations per workgroup: enough to cover the output's columns, in whole 8-lane SIMD vectors, at most 64.
 * llvmpipe pays a fixed cost per workgroup ([1024,128]×[128,4096]: 228 ms with 8, 150 ms with 64), while
 * lanes beyond the last column only repeat work ([1024,4096]×[4096,128] with 64 lanes, 16 of them useful:
 * 434 ms against 112 ms with 8).
 */
function workgroupWidth(n: number): number {
  const lanes = Math.ceil(n / 4 / COLS4);
  return Math.min(64, 8 * Math.ceil(lanes / 8));
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The product's batch axes when each operand's batch either matches them entry for entry (same size as the
 * broadcast shape) or is a single matrix; null for other broadcasts, which the stock kernel handles.
 */
function batchAxes(a: tf.TensorInfo, b: tf.TensorInfo): number[] | null {
  const [outerA, outerB] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const size = sizeOf(outer);
  const fits = (side: number[]) => sizeOf(side) === 1 || sizeOf(side) === size;
  return fits(outerA) && fits(outerB) ? outer : null;
}

/** The WGSL body: C[batch, M, N] = op(A) · B, with B and C read/written as vec4 columns. */
function shaderBody(transposeA: boolean, transposeB: boolean, rows: number, cols4: number): string {
  // A element (row, k) of entry `aBase`: [M, K] row-major, or [K, M] when transposed.
  const aIndex = transposeA ? 'aBase + k * m + row' : 'aBase + row * kDim + k';
  // Columns 4c…4c+3 of B at step k: one vec4 of [K, N/4], or four scalars of a transposed [N, K].
  const bLoad = (c: number) =>
    transposeB
      ? `vec4<f32>(B[bCol${c} + k], B[bCol${c} + kDim + k], B[bCol${c} + 2 * kDim + k], B[bCol${c} + 3 * kDim + k])`
      : `B[bCol${c} + k * n4]`;
  const bColumn = (c: number) => (transposeB ? `min(col0 + ${c}, n4 - 1) * 4 * kDim` : `min(col0 + ${c}, n4 - 1)`);
  const rs = [...Array(rows).keys()];
  const cs = [...Array(cols4).keys()];
  const acc = (r: number, c: number) => `acc${r}_${c}`;
  return `
  fn main() {
    let batch = i32(globalId.z);
    let m = uniforms.outShape[1];
    let n4 = uniforms.outShape[2] / 4;
    let kDim = uniforms.aShape[${transposeA ? 1 : 2}];
    let col0 = i32(globalId.x) * ${cols4};
    let row0 = i32(workgroupId.y) * ${rows};
    let aBase = (batch % uniforms.aShape[0]) * m * kDim;
    let bBase = (batch % uniforms.bShape[0]) * kDim * n4${transposeB ? ' * 4' : ''};
    ${rs.flatMap((r) => cs.map((c) => `var ${acc(r, c)} = vec4<f32>(0.0);`)).join('\n    ')}
    ${rs.map((r) => `let aRow${r} = min(row0 + ${r}, m - 1);`).join('\n    ')}
    ${cs.map((c) => `let bCol${c} = bBase + ${bColumn(c)};`).join('\n    ')}
    for (var k = 0; k < kDim; k = k + 1) {
      ${cs.map((c) => `let b${c} = ${bLoad(c)};`).join('\n      ')}
      ${rs.map((r) => `{ let row = aRow${r}; let a = vec4<f32>(A[${aIndex}]); ${cs.map((c) => `${acc(r, c)} = fma(a, b${c}, ${acc(r, c)});`).join(' ')} }`).join('\n      ')}
    }
    ${rs.flatMap((r) => cs.map((c) => `if (row0 + ${r} < m && col0 + ${c} < n4) { result[(batch * m + row0 + ${r}) * n4 + col0 + ${c}] = ${acc(r, c)}; }`)).join('\n    ')}
  }`;
}

class RowBlockMatMulProgram implements WebGpuProgram {
  readonly variableNames = ['A', 'B'];
  readonly variableComponents: number[];
  readonly outputComponent = 4;
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly outputShape: number[];
  readonly dispatch: [number, number, number];
  shaderKey: string;
  private readonly transposeA: boolean;
  private readonly transposeB: boolean;

  constructor(batch: number, m: number, n: number, transposeA: boolean, transposeB: boolean) {
    this.outputShape = [batch, m, n];
    const width = workgroupWidth(n);
    this.workgroupSize = [width, 1, 1];
    this.dispatch = [Math.ceil(n / 4 / COLS4 / width), Math.ceil(m / ROWS), batch];
    this.transposeA = transposeA;
    this.transposeB = transposeB;
    this.variableComponents = [1, transposeB ? 1 : 4];
    this.shaderKey = `capplanRowBlockMatMul_${transposeA}_${transposeB}`;
  }

  getUserCode(): string {
    return shaderBody(this.transposeA, this.transposeB, ROWS, COLS4);
  }
}

/** A view of `x` with another shape (same data, as the backend's Reshape does); the caller disposes it. */
function view(backend: WebGpuBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

function batchMatMulKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const outer = batchAxes(a, b);
    const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    const supported = outer && n % 4 === 0 && a.dtype === 'float32' && b.dtype === 'float32';
    if (!supported) return stock(args);
    const backend = args.backend as unknown as WebGpuBackend;
    const [ar, ac] = a.shape.slice(-2) as [number, number];
    const [m, k] = transposeA ? [ac, ar] : [ar, ac];
    const batch = sizeOf(outer);
    const a3 = view(backend, a, [sizeOf(a.shape.slice(0, -2)), ar, ac]);
    const b3 = view(backend, b, [sizeOf(b.shape.slice(0, -2)), ...(transposeB ? [n, k] : [k, n])]);
    const out = backend.runWebGPUProgram(new RowBlockMatMulProgram(batch, m, n, transposeA, transposeB), [a3, b3], 'float32');
    backend.disposeData(a3.dataId);
    backend.disposeData(b3.dataId);
    return { dataId: out.dataId, shape: [...outer, m, n], dtype: 'float32' };
  };
}

let registered = false;

/** Installs the webgpu BatchMatMul (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuMatMul(): void {
  if (registered) return;
  registered = true;
  replaceWebGpuKernel('BatchMatMul', (stock) => batchMatMulKernel(stock.kernelFunc));
}
