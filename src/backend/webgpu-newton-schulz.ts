import * as tf from '@tensorflow/tfjs';
import { NEWTON_SCHULZ_KERNEL } from '../train/optim/newton-schulz.js';
import { rowBlockMatMul } from './webgpu-matmul.js';
import type { WebGpuBackend } from './webgpu-program.js';
import { runCopy, stridesOf } from './webgpu-run-copy.js';
import { zeros } from './webgpu-scatter-add.js';

/**
 * Muon's Newton–Schulz iterations as three row-block products per iteration (webgpu-matmul.ts), for software
 * adapters. The composition (train/optim/newton-schulz.ts) makes eight dispatches per iteration on the wide
 * matrix X [m, k]: G = X·Xᵀ (B read transposed: four strided scalar loads per vec4, the slowest product on
 * lavapipe), G·G, three element-wise passes for P = b·G + c·G², then P·X and two more passes. Here each batch
 * entry is iterated in its tall orientation T = Xᵀ [k, m], where every operand streams as vec4 rows:
 *   G  = Tᵀ·T                 symmetric: only the blocks on and above the diagonal are computed, then mirrored
 *   P  = c·(G·G) + b·G        symmetric too, the polynomial folded into the product's stores
 *   T' = T·P + a·T            (= (a·X + P·X)ᵀ, P being symmetric), the update folded in likewise.
 * Per iteration that is m²k/2 + m³/2 + m²k multiply-adds instead of 2·m²k + m³, in 3 dispatches instead of 8.
 * The m columns of T are zero-padded to whole 8 × 8 blocks when needed: zero columns stay zero through every
 * product, and add only exact zeros to the others.
 */
const BLOCK = 8;

/** A copy of the [n, k, m] entries of `source` (element (e, j, i) at the given strides) into [n, k, width] rows. */
function toTall(backend: WebGpuBackend, fill: tf.KernelFunc, source: tf.TensorInfo, dims: [number, number, number], sourceStrides: number[], width: number): tf.TensorInfo {
  const [n, k, m] = dims;
  const output = width === m ? undefined : zeros(backend, fill, n * k * width);
  const copy = { dims, from: 0, sourceStrides, to: 0, targetStrides: stridesOf([n, k, width]) };
  const out = runCopy(backend, source, copy, n * k * width, output);
  return { dataId: out.dataId, shape: [n, k, width], dtype: 'float32' };
}

function newtonSchulzKernel(fill: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackend;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { steps, a, b, c } = args.attrs as { steps: number; a: number; b: number; c: number };
    const [n, rows, cols] = x.shape as [number, number, number];
    const wide = rows < cols;
    const [k, m] = wide ? [cols, rows] : [rows, cols];
    const width = Math.ceil(m / BLOCK) * BLOCK;
    // Element (e, j, i) of the tall view: x[e, i, j] when x is wide, x[e, j, i] when it is tall already.
    const tallStrides = wide ? [m * k, 1, k] : [k * m, m, 1];
    const copyIn = wide || width !== m;
    let t = copyIn ? toTall(backend, fill, x, [n, k, m], tallStrides, width) : x;
    for (let i = 0; i < steps; i++) {
      const gram = rowBlockMatMul(backend, t, t, true, false, { symmetric: true });
      const poly = rowBlockMatMul(backend, gram, gram, false, false, { symmetric: true, epilogue: { e: gram, alpha: c, beta: b } });
      const next = rowBlockMatMul(backend, t, poly, false, false, { epilogue: { e: t, alpha: 1, beta: a } });
      backend.disposeData(gram.dataId);
      backend.disposeData(poly.dataId);
      if (t !== x) backend.disposeData(t.dataId);
      t = next;
    }
    if (t === x) {
      // No iterations and nothing to copy: the output is the input.
      backend.incRef(x.dataId);
      return { ...x };
    }
    if (!copyIn) return t;
    // Back to x's layout, dropping the padding: output element (e, p, q) of [n, rows, cols].
    const paddedStrides = stridesOf([n, k, width]);
    const sourceStrides = wide ? [paddedStrides[0]!, 1, width] : paddedStrides;
    const out = runCopy(backend, t, { dims: [n, rows, cols], from: 0, sourceStrides, to: 0, targetStrides: stridesOf([n, rows, cols]) }, n * rows * cols);
    backend.disposeData(t.dataId);
    return { dataId: out.dataId, shape: [n, rows, cols], dtype: 'float32' };
  };
}

let registered = false;

/** Installs the fused Newton–Schulz kernel (idempotent). Call after '@tensorflow/tfjs-backend-webgpu' has been imported. */
export function registerWebGpuNewtonSchulz(): void {
  if (registered) return;
  registered = true;
  const fill = tf.getKernel('Fill', 'webgpu');
  if (!fill) throw new Error('tfjs-backend-webgpu has no Fill kernel');
  tf.registerKernel({ kernelName: NEWTON_SCHULZ_KERNEL, backendName: 'webgpu', kernelFunc: newtonSchulzKernel(fill.kernelFunc) });
}
