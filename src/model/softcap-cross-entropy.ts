import * as tf from '@tensorflow/tfjs';
import { activeBackendHas, activeCapabilities } from '../backend/capabilities.js';

/**
 * Softcap + sparse cross-entropy as one op with its own gradient: per row of raw logits z [N, V] and int32
 * targets [N], loss = log Σ exp(c) − c[target] with c = cap·tanh(z/cap); rows whose target is negative get
 * loss 0 and no gradient. The same value as boundedSparseCrossEntropy(softcap(z)) (cross-entropy.ts), but
 * a backend with the two kernels below does it in one pass over z forward and one backward, where the
 * composition makes about ten (each a full read and write of the [N, V] logits: 10–40 ms apiece on lavapipe).
 *
 * Kernels:
 * - SOFTCAP_XENT_FORWARD {logits, targets}, attr cap → stats [2, N]: row 0 the losses, row 1 log Σ exp(c).
 * - SOFTCAP_XENT_BACKWARD {dy [N], logits, targets, stats}, attr cap → dz [N, V]:
 *   dy[i]·(exp(c − lse[i]) − [j = target[i]])·(1 − tanh²(z/cap)), zero on ignored rows.
 * Backends install them as they are initialised: the cpu kernels (backend/cpu-softcap-cross-entropy.ts) are the
 * reference the WGSL ones (backend/webgpu-softcap-cross-entropy.ts) are tested against. The model takes the
 * fused path only where the device's capabilities ask for it (useFusedSoftcapCrossEntropy), so the cpu and
 * wasm training paths keep their exact composition.
 */
export const SOFTCAP_XENT_FORWARD = 'CapplanSoftcapCrossEntropy';
export const SOFTCAP_XENT_BACKWARD = 'CapplanSoftcapCrossEntropyGrad';

/** Whether the model's loss takes the fused op: where the device prefers it and its kernels are installed. */
export function useFusedSoftcapCrossEntropy(): boolean {
  return activeCapabilities().fusedSoftcapLoss && activeBackendHas(SOFTCAP_XENT_FORWARD);
}

/** Per-row losses [N] of softcapped logits (see the file comment); needs the kernels on the active backend. */
export function softcapCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, cap: number): tf.Tensor1D {
  const engine = tf.engine();
  // targets is an input so that the tape keeps it alive until the backward pass; it gets no gradient
  // (the tape asks only for inputs on a path to the differentiated variables).
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const stats = engine.runKernel(SOFTCAP_XENT_FORWARD, { logits: z, targets: ids }, { cap }) as tf.Tensor2D;
    save([z, ids, stats]);
    const rows = z.shape[0]!;
    return {
      value: tf.reshape(tf.slice(stats, [0, 0], [1, rows]), [rows]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zSaved, idsSaved, statsSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dz = engine.runKernel(SOFTCAP_XENT_BACKWARD, { dy, logits: zSaved, targets: idsSaved, stats: statsSaved }, { cap }) as tf.Tensor;
        return [dz, tf.zerosLike(idsSaved)];
      },
    };
  });
  return op(logits, targets) as tf.Tensor1D;
}
