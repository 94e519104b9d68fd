import * as tf from '@tensorflow/tfjs';

/**
 * Quintic Newton–Schulz coefficients (Keller Jordan's Muon): chosen to push every singular value
 * of a unit-norm matrix into roughly [0.7, 1.2] in five iterations, rather than to converge exactly.
 */
export const NS_COEFFS = { a: 3.4445, b: -4.775, c: 2.0315 } as const;
export const NS_STEPS = 5;

/**
 * Approximately orthogonalises `g` (replaces it by U·Vᵀ of its SVD, up to the quintic's band).
 * Works on the wide orientation (rows ≤ cols) so X·Xᵀ is the smaller Gram matrix.
 * The caller owns the result; intermediates are freed.
 */
export function orthogonalise(g: tf.Tensor2D, steps = NS_STEPS): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, cols] = g.shape;
    const tall = rows > cols;
    let x: tf.Tensor2D = tall ? g.transpose() : g;
    // Frobenius norm ≥ spectral norm, so after this every singular value is ≤ 1.
    x = x.div(x.norm().add(1e-7));
    const { a, b, c } = NS_COEFFS;
    for (let i = 0; i < steps; i++) {
      const gram = x.matMul(x, false, true);
      const poly = gram.mul(b).add(gram.matMul(gram).mul(c));
      x = x.mul(a).add(poly.matMul(x));
    }
    return tall ? x.transpose() : x;
  });
}
