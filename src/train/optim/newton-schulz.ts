import * as tf from '@tensorflow/tfjs';
import { activeBackendHas } from '../../backend/capabilities.js';

/**
 * Quintic Newton–Schulz coefficients (Keller Jordan's Muon): chosen to push every singular value
 * of a unit-norm matrix into roughly [0.7, 1.2] in five iterations, rather than to converge exactly.
 */
export const NS_COEFFS = { a: 3.4445, b: -4.775, c: 2.0315 } as const;
export const NS_STEPS = 5;

/**
 * A backend's fused Newton–Schulz iterations: input x [n, rows, cols] already normalised (any orientation),
 * attrs { steps, a, b, c }; output the iterated batch, same shape. The same numbers as the composition in
 * orthogonalise, within float rounding (backend/webgpu-newton-schulz.ts).
 */
export const NEWTON_SCHULZ_KERNEL = 'CapplanNewtonSchulz';

/**
 * Each entry divided by its Frobenius norm (≥ its spectral norm, so every singular value becomes ≤ 1). Squared
 * as tf.norm does (pow(|x|, 2), summed in the same order): wasm's pow differs from square in the last bit for
 * ~0.07% of values, which can change a norm, and from there every later bit of a training run.
 */
function normalise(x: tf.Tensor3D): tf.Tensor3D {
  return x.div(tf.pow(x.abs(), tf.scalar(2, 'int32')).sum([1, 2], true).sqrt().add(1e-7));
}

/**
 * Approximately orthogonalises `g` (replaces it by U·Vᵀ of its SVD, up to the quintic's band): one
 * matrix [rows, cols], or a batch [n, rows, cols] of independent ones. A batch computes each entry exactly
 * as it would be computed alone (element-wise ops, per-entry norms, one 2-D product per entry), in far
 * fewer and larger ops: the wasm backend shares a batched product's entries with its matMul threads.
 * Works on the wide orientation (rows ≤ cols) so X·Xᵀ is the smaller Gram matrix. A backend with the fused
 * kernel (NEWTON_SCHULZ_KERNEL) runs the iterations there.
 * The caller owns the result; intermediates are freed.
 */
export function orthogonalise<T extends tf.Tensor2D | tf.Tensor3D>(g: T, steps = NS_STEPS): T {
  return tf.tidy(() => {
    const batch = (g.rank === 2 ? g.expandDims(0) : g) as tf.Tensor3D;
    const { a, b, c } = NS_COEFFS;
    let out: tf.Tensor3D;
    if (activeBackendHas(NEWTON_SCHULZ_KERNEL)) {
      out = tf.engine().runKernel(NEWTON_SCHULZ_KERNEL, { x: normalise(batch) }, { steps, a, b, c }) as tf.Tensor3D;
    } else {
      const [, rows, cols] = batch.shape;
      const tall = rows > cols;
      let x = normalise(tall ? batch.transpose([0, 2, 1]) : batch);
      for (let i = 0; i < steps; i++) {
        const gram = x.matMul(x, false, true);
        const poly = gram.mul(b).add(gram.matMul(gram).mul(c));
        x = x.mul(a).add(poly.matMul(x));
      }
      out = tall ? x.transpose([0, 2, 1]) : x;
    }
    return (g.rank === 2 ? out.squeeze([0]) : out) as T;
  });
}
