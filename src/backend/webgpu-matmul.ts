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

/**
 * Variants of the product the optimizer's Newton–Schulz kernel needs (webgpu-newton-schulz.ts):
 * - symmetric: the result is known to be symmetric (Aᵀ·A, or G·G of a symmetric G), so only the blocks on and
 *   above the diagonal are computed and each is also written mirrored — half the multiply-adds. Needs a
 *   square output whose side is a multiple of the 8 × 8 block.
 * - epilogue: C = alpha·(A·B) + beta·E for a third input E shaped like C, folded into the stores instead of
 *   two more passes over C.
 */
export interface ProductVariant {
  symmetric?: boolean;
  epilogue?: { e: tf.TensorInfo; alpha: number; beta: number };
}

/** The WGSL body: C[batch, M, N] = op(A) · B, with B and C read/written as vec4 columns. */
function shaderBody(transposeA: boolean, transposeB: boolean, symmetric: boolean, epilogue: boolean): string {
  const [rows, cols4] = [ROWS, COLS4];
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
  const store = (index: string, value: string) =>
    `result[${index}] = ${epilogue ? `uniforms.alpha * ${value} + uniforms.beta * E[${index}]` : value};`;
  // A lane's block starts at row row0 and column 4·col0; in a symmetric product the blocks below the diagonal
  // are the mirrors of those above, and lanes past the last column have nothing to write.
  const skipLower = symmetric ? 'if (col0 >= n4 || 4 * col0 < row0) { return; }' : '';
  // Row 4·(col0 + c) + q of the mirrored block holds column q of acc(·, c): two vec4s per row.
  const mirrored = cs.flatMap((c) =>
    [0, 1, 2, 3].flatMap((q) =>
      [0, 1].map((half) => {
        const value = `vec4<f32>(${[0, 1, 2, 3].map((r) => `${acc(4 * half + r, c)}[${q}]`).join(', ')})`;
        return store(`(batch * m + 4 * (col0 + ${c}) + ${q}) * n4 + row0 / 4 + ${half}`, value);
      }),
    ),
  );
  return `
  fn main() {
    let batch = i32(globalId.z);
    let m = uniforms.outShape[1];
    let n4 = uniforms.outShape[2] / 4;
    let kDim = uniforms.aShape[${transposeA ? 1 : 2}];
    let col0 = i32(globalId.x) * ${cols4};
    let row0 = i32(workgroupId.y) * ${rows};
    ${skipLower}
    let aBase = (batch % uniforms.aShape[0]) * m * kDim;
    let bBase = (batch % uniforms.bShape[0]) * kDim * n4${transposeB ? ' * 4' : ''};
    ${rs.flatMap((r) => cs.map((c) => `var ${acc(r, c)} = vec4<f32>(0.0);`)).join('\n    ')}
    ${rs.map((r) => `let aRow${r} = min(row0 + ${r}, m - 1);`).join('\n    ')}
    ${cs.map((c) => `let bCol${c} = bBase + ${bColumn(c)};`).join('\n    ')}
    for (var k = 0; k < kDim; k = k + 1) {
      ${cs.map((c) => `let b${c} = ${bLoad(c)};`).join('\n      ')}
      ${rs.map((r) => `{ let row = aRow${r}; let a = vec4<f32>(A[${aIndex}]); ${cs.map((c) => `${acc(r, c)} = fma(a, b${c}, ${acc(r, c)});`).join(' ')} }`).join('\n      ')}
    }
    ${rs.flatMap((r) => cs.map((c) => `if (row0 + ${r} < m && col0 + ${c} < n4) { ${store(`(batch * m + row0 + ${r}) * n4 + col0 + ${c}`, acc(r, c))} }`)).join('\n    ')}
    ${symmetric ? `if (4 * col0 > row0) {\n      ${mirrored.join('\n      ')}\n    }` : ''}
  }`;
}

class RowBlockMatMulProgram implements WebGpuProgram {
  readonly variableNames: string[];
  readonly variableComponents: number[];
  readonly outputComponent = 4;
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly outputShape: number[];
  readonly dispatch: [number, number, number];
  readonly uniforms?: string;
  shaderKey: string;

  constructor(
    batch: number,
    m: number,
    n: number,
    private readonly transposeA: boolean,
    private readonly transposeB: boolean,
    private readonly symmetric: boolean,
    private readonly epilogue: boolean,
  ) {
    this.outputShape = [batch, m, n];
    const width = workgroupWidth(n);
    this.workgroupSize = [width, 1, 1];
    this.dispatch = [Math.ceil(n / 4 / COLS4 / width), Math.ceil(m / ROWS), batch];
    this.variableNames = epilogue ? ['A', 'B', 'E'] : ['A', 'B'];
    this.variableComponents = epilogue ? [1, transposeB ? 1 : 4, 4] : [1, transposeB ? 1 : 4];
    if (epilogue) this.uniforms = 'alpha : f32, beta : f32,';
    this.shaderKey = `capplanRowBlockMatMul_${transposeA}_${transposeB}${symmetric ? '_symmetric' : ''}${epilogue ? '_epilogue' : ''}`;
  }

  getUserCode(): string {
    return shaderBody(this.transposeA, this.transposeB, this.symmetric, this.epilogue);
  }
}

/** A view of `x` with another shape (same data, as the backend's Reshape does); the caller disposes it. */
function view(backend: WebGpuBackend, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** Whether the row-block product handles these float32 operands (batch axes, a column count that is a multiple of 4). */
export function rowBlockHandles(a: tf.TensorInfo, b: tf.TensorInfo, transposeB: boolean): boolean {
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  return batchAxes(a, b) !== null && n % 4 === 0 && a.dtype === 'float32' && b.dtype === 'float32';
}

/**
 * op(A)·op(B) by the row-block program, for operands rowBlockHandles accepts; a symmetric variant whose output
 * is not a square of whole 8 × 8 blocks is computed in full. The caller owns the result.
 */
export function rowBlockMatMul(
  backend: WebGpuBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  variant: ProductVariant = {},
): tf.TensorInfo {
  const outer = batchAxes(a, b)!;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const batch = sizeOf(outer);
  const symmetric = variant.symmetric === true && m === n && m % ROWS === 0;
  const a3 = view(backend, a, [sizeOf(a.shape.slice(0, -2)), ar, ac]);
  const b3 = view(backend, b, [sizeOf(b.shape.slice(0, -2)), ...(transposeB ? [n, k] : [k, n])]);
  const epilogue = variant.epilogue;
  const inputs = epilogue ? [a3, b3, view(backend, epilogue.e, [batch, m, n])] : [a3, b3];
  const uniforms = epilogue ? [{ type: 'float32' as const, data: [epilogue.alpha] }, { type: 'float32' as const, data: [epilogue.beta] }] : undefined;
  const program = new RowBlockMatMulProgram(batch, m, n, transposeA, transposeB, symmetric, epilogue !== undefined);
  const out = backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
  for (const input of inputs) backend.disposeData(input.dataId);
  return { dataId: out.dataId, shape: [...outer, m, n], dtype: 'float32' };
}

function batchMatMulKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!rowBlockHandles(a, b, transposeB)) return stock(args);
    return rowBlockMatMul(args.backend as unknown as WebGpuBackend, a, b, transposeA, transposeB);
  };
}

let registered = false;

/** Installs the webgpu BatchMatMul (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuMatMul(): void {
  if (registered) return;
  registered = true;
  replaceWebGpuKernel('BatchMatMul', (stock) => batchMatMulKernel(stock.kernelFunc));
}
