import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';

/**
 * What the model, the optimizers and the memory planner need to know about the device a backend runs on.
 * initBackend records one per backend as it initialises it; code reads the active backend's through
 * activeCapabilities(), so nothing outside src/backend asks which backend is running.
 */
export interface DeviceCapabilities {
  /** What computes: a GPU, a software GPU adapter (shaders on the CPU cores), or the CPU. */
  kind: 'gpu' | 'software' | 'cpu';
  /** Largest tensor, in bytes, one kernel may bind (WebGPU's storage-binding and buffer limits); null: none. */
  maxTensorBytes: number | null;
  /** Memory for tensors and where the number comes from; null when the device does not say (a GPU without nvidia-smi). */
  memory: { bytes: number; source: string } | null;
  /** Batched products pay off here (a GPU: one large dispatch beats many small ones; wasm: while its matMul threads are free). Read it at each use. */
  batchesProducts: boolean;
  /**
   * The loss takes the fused softcap + cross-entropy op where its kernels are installed (one pass over the
   * logits instead of about ten pays on a GPU); false keeps the composition, whose bits the cpu and wasm
   * training paths and their reference tests pin.
   */
  fusedSoftcapLoss: boolean;
}

/** wasm and cpu: tensors live in host memory, no per-tensor limit, one thread per product. */
export function hostCapabilities(): DeviceCapabilities {
  return { kind: 'cpu', maxTensorBytes: null, memory: { bytes: totalmem(), source: 'host memory' }, batchesProducts: false, fusedSoftcapLoss: false };
}

const recorded = new Map<string, DeviceCapabilities>();
let tensorBytesCap: number | null = null;
let deviceErrors = 0;

export function recordCapabilities(backend: string, caps: DeviceCapabilities): void {
  recorded.set(backend, caps);
}

/**
 * Lowers the per-tensor limit on every backend to `bytes` (null: lift it), to try what a smaller device would
 * do (`bench train --max-tensor-bytes`) and to test the chunked paths on any machine.
 */
export function capTensorBytes(bytes: number | null): void {
  tensorBytesCap = bytes;
}

/** The active tfjs backend's capabilities, with capTensorBytes applied. */
export function activeCapabilities(): DeviceCapabilities {
  const caps = recorded.get(tf.getBackend()) ?? hostCapabilities();
  if (tensorBytesCap === null) return caps;
  const device = caps.maxTensorBytes ?? Infinity;
  return { ...caps, maxTensorBytes: Math.min(device, tensorBytesCap) };
}

/** Whether the active backend has a kernel registered under `kernelName` (a fused op it offers). */
export function activeBackendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Counts an error the device reported asynchronously (WebGPU validation and out-of-memory errors arrive as
 * events, and the kernel that caused one silently computes nothing).
 */
export function countDeviceError(): void {
  deviceErrors++;
}

/** Device errors reported since the process started: benchmarks and tests assert there were none. */
export function deviceErrorCount(): number {
  return deviceErrors;
}
