import * as tf from '@tensorflow/tfjs';
import { FlatProgram, replaceWebGpuKernel, type WebGpuBackend } from './webgpu-program.js';

/**
 * Sum, Mean and Softmax over the innermost axis with one invocation per row, for the webgpu backend on
 * software adapters. tfjs gives every output row a 64-invocation workgroup that reduces through workgroup
 * memory with six barriers; llvmpipe runs a workgroup on one CPU thread and implements barriers as
 * coroutine switches, so the 12 RMSNorm means of a d2 step ([1024, 128] each) took 4.5 ms apiece. One lane
 * per row loops over its row without synchronisation. Used when there are enough rows to fill the SIMD lanes
 * (MIN_ROWS); a few long rows (a full reduction) stay with the stock tree reduction.
 */

const MIN_ROWS = 64;

type RowOp = 'sum' | 'mean' | 'softmax';

/** tfjs calls main(index) with the flat invocation index when the dispatch layout has only an x axis. */
function body(op: RowOp): string {
  const prologue = `
    let row = index;
    let len = uniforms.rowLength;
    if (row >= uniforms.rows) { return; }
    let base = row * len;`;
  if (op === 'softmax') {
    return `
  fn main(index : i32) {${prologue}
    var top = x[base];
    for (var i = 1; i < len; i = i + 1) { top = max(top, x[base + i]); }
    var total = 0.0;
    for (var i = 0; i < len; i = i + 1) { total = total + exp(x[base + i] - top); }
    let scale = 1.0 / total;
    for (var i = 0; i < len; i = i + 1) { result[base + i] = exp(x[base + i] - top) * scale; }
  }`;
  }
  return `
  fn main(index : i32) {${prologue}
    var total = 0.0;
    for (var i = 0; i < len; i = i + 1) { total = total + x[base + i]; }
    result[row] = ${op === 'mean' ? 'total / f32(len)' : 'total'};
  }`;
}

class RowProgram extends FlatProgram {
  readonly variableNames = ['x'];
  readonly uniforms = 'rows : i32, rowLength : i32,';
  readonly shaderKey: string;
  private readonly op: RowOp;

  constructor(op: RowOp, rows: number, rowLength: number) {
    super(op === 'softmax' ? [rows * rowLength] : [rows], rows);
    this.op = op;
    this.shaderKey = `capplanRows_${op}`;
  }

  getUserCode(): string {
    return body(this.op);
  }
}

function runRows(backend: WebGpuBackend, op: RowOp, x: tf.TensorInfo, rows: number, rowLength: number, shape: number[]): tf.TensorInfo {
  const flat = { dataId: x.dataId, shape: [rows * rowLength], dtype: x.dtype };
  const uniforms = [{ type: 'int32' as const, data: [rows] }, { type: 'int32' as const, data: [rowLength] }];
  const out = backend.runWebGPUProgram(new RowProgram(op, rows, rowLength), [flat], 'float32', uniforms);
  return { dataId: out.dataId, shape, dtype: 'float32' };
}

/** Axes attr → sorted non-negative axes. */
function normaliseAxes(axis: number | number[], rank: number): number[] {
  return (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

function reduceKernel(op: 'sum' | 'mean', stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = normaliseAxes(axis, rank);
    // Only reductions over the innermost axes read contiguous rows; others need a transpose first.
    const innermost = axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i);
    const rows = x.shape.slice(0, rank - axes.length).reduce((a, b) => a * b, 1);
    const rowLength = x.shape.slice(rank - axes.length).reduce((a, b) => a * b, 1);
    if (!innermost || x.dtype !== 'float32' || rows < MIN_ROWS || rowLength === 0) return stock(args);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const shape = keepDims ? kept : x.shape.slice(0, rank - axes.length);
    return runRows(args.backend as unknown as WebGpuBackend, op, x, rows, rowLength, shape);
  };
}

function softmaxKernel(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const rowLength = logits.shape.at(-1) ?? 0;
    const rows = logits.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    if (logits.dtype !== 'float32' || rows < MIN_ROWS || rowLength === 0) return stock(args);
    return runRows(args.backend as unknown as WebGpuBackend, 'softmax', logits, rows, rowLength, [...logits.shape]);
  };
}

let registered = false;

/** Installs the row kernels (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuRowKernels(): void {
  if (registered) return;
  registered = true;
  replaceWebGpuKernel('Sum', (stock) => reduceKernel('sum', stock.kernelFunc));
  replaceWebGpuKernel('Mean', (stock) => reduceKernel('mean', stock.kernelFunc));
  replaceWebGpuKernel('Softmax', (stock) => softmaxKernel(stock.kernelFunc));
}
