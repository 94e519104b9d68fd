import * as tf from '@tensorflow/tfjs';

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
 * The cpu kernels here are the reference the WGSL ones (backend/webgpu-softcap-cross-entropy.ts) are tested
 * against; the model takes the fused path only on webgpu (useFusedSoftcapCrossEntropy), so the cpu and wasm
 * training paths keep their exact composition.
 */
export const SOFTCAP_XENT_FORWARD = 'CapplanSoftcapCrossEntropy';
export const SOFTCAP_XENT_BACKWARD = 'CapplanSoftcapCrossEntropyGrad';

/** tanh through exp(−2|x|) ≤ 1: never overflows, same formulation as the WGSL kernels. */
function stableTanh(x: number): number {
  const e = Math.exp(-2 * Math.abs(x));
  return Math.sign(x) * ((1 - e) / (1 + e));
}

type Values = Float32Array | Int32Array;
interface CpuBackend {
  readSync(dataId: tf.DataId): Values;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo;
}

const cpuForward: tf.KernelFunc = (args) => {
  const backend = args.backend as unknown as CpuBackend;
  const { logits, targets } = args.inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
  const cap = (args.attrs as { cap: number }).cap;
  const [rows, vocab] = logits.shape as [number, number];
  const z = backend.readSync(logits.dataId);
  const t = backend.readSync(targets.dataId);
  const stats = new Float32Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    let total = 0;
    for (let j = 0; j < vocab; j++) total += Math.exp(cap * stableTanh(z[i * vocab + j]! / cap));
    const lse = Math.log(total);
    const target = t[i]!;
    stats[i] = target >= 0 ? lse - cap * stableTanh(z[i * vocab + target]! / cap) : 0;
    stats[rows + i] = lse;
  }
  return backend.makeTensorInfo([2, rows], 'float32', stats);
};

const cpuBackward: tf.KernelFunc = (args) => {
  const backend = args.backend as unknown as CpuBackend;
  const { dy, logits, targets, stats } = args.inputs as Record<'dy' | 'logits' | 'targets' | 'stats', tf.TensorInfo>;
  const cap = (args.attrs as { cap: number }).cap;
  const [rows, vocab] = logits.shape as [number, number];
  const z = backend.readSync(logits.dataId);
  const t = backend.readSync(targets.dataId);
  const s = backend.readSync(stats.dataId);
  const g = backend.readSync(dy.dataId);
  const dz = new Float32Array(rows * vocab);
  for (let i = 0; i < rows; i++) {
    const target = t[i]!;
    if (target < 0) continue;
    const lse = s[rows + i]!;
    for (let j = 0; j < vocab; j++) {
      const th = stableTanh(z[i * vocab + j]! / cap);
      const p = Math.exp(cap * th - lse) - (j === target ? 1 : 0);
      dz[i * vocab + j] = g[i]! * p * (1 - th * th);
    }
  }
  return backend.makeTensorInfo([rows, vocab], 'float32', dz);
};

let cpuRegistered = false;

function registerCpuKernels(): void {
  if (cpuRegistered) return;
  cpuRegistered = true;
  tf.registerKernel({ kernelName: SOFTCAP_XENT_FORWARD, backendName: 'cpu', kernelFunc: cpuForward });
  tf.registerKernel({ kernelName: SOFTCAP_XENT_BACKWARD, backendName: 'cpu', kernelFunc: cpuBackward });
}

/** Whether the model's loss takes the fused op: on webgpu, once its WGSL kernels are installed. */
export function useFusedSoftcapCrossEntropy(): boolean {
  return tf.getBackend() === 'webgpu' && tf.getKernel(SOFTCAP_XENT_FORWARD, 'webgpu') !== undefined;
}

/** Per-row losses [N] of softcapped logits (see the file comment); needs the kernels on the active backend. */
export function softcapCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, cap: number): tf.Tensor1D {
  registerCpuKernels();
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
