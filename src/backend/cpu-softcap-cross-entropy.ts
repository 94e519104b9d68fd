import * as tf from '@tensorflow/tfjs';
import { SOFTCAP_XENT_BACKWARD, SOFTCAP_XENT_FORWARD } from '../model/softcap-cross-entropy.js';

/**
 * The cpu kernels of the fused softcap + cross-entropy op (model/softcap-cross-entropy.ts defines it), in
 * float64 per row: the reference the WGSL kernels (webgpu-softcap-cross-entropy.ts) are tested against. The
 * model does not take the fused op on cpu (its capabilities keep the composition), so training bits stay.
 */

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

const KERNELS: ReadonlyArray<[string, tf.KernelFunc]> = [
  [SOFTCAP_XENT_FORWARD, cpuForward],
  [SOFTCAP_XENT_BACKWARD, cpuBackward],
];

/** Installs the cpu kernels (idempotent; initBackend calls it). */
export function registerCpuSoftcapCrossEntropy(): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, 'cpu') === undefined) tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  }
}
