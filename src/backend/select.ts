import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { hostCapabilities, recordCapabilities } from './capabilities.js';
import { nvidiaGpus } from './nvidia-smi.js';
import { registerCpuSoftcapCrossEntropy } from './cpu-softcap-cross-entropy.js';
import { registerScatterAddKernels } from './scatter-add.js';
import { loadTensorflowBinding, TENSORFLOW_PACKAGES } from './tensorflow.js';
import { loadWasm } from './wasm.js';
import { wasmCapabilities } from './wasm-matmul-pool.js';
import { probeWebGpu, probeWebGpuQuietly, type WebGpuAdapter } from './webgpu.js';
import { webGpuCapabilities } from './webgpu-device.js';
import { registerWebGpuKernels } from './webgpu-kernels.js';
import { registerWebGpuOptimizerUpdates } from './webgpu-optimizer-updates.js';

export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The tfjs backend now active: tensorflow, webgpu, wasm or cpu. */
  name: string;
  /** tfjs version, plus the native library's for tensorflow. */
  version: string;
  /** GPU adapter (webgpu) or native package (tensorflow); null for wasm and cpu. */
  adapter: string | null;
}

/**
 * The order `auto` tries concrete backends in, from measured d2 training steps (README "model"):
 * tensorflow (native libtensorflow, CUDA when present) wherever it is installed; then webgpu, but only on a
 * hardware adapter (a software one, Mesa lavapipe, took 3.9 s per d2 step against wasm's 0.54 s on the
 * 2-core dev machine); then wasm (XNNPACK SIMD, one thread); the pure-JS cpu backend last (9.4 s).
 */
export const AUTO_ORDER = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

type ConcreteBackend = (typeof AUTO_ORDER)[number];

/** Validates a user-supplied backend name. */
export function parseBackendName(value: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new UserError(`unknown backend '${value}' (choose one of: ${BACKEND_NAMES.join(', ')})`);
}

async function activate(name: ConcreteBackend): Promise<void> {
  if (!(await tf.setBackend(name))) throw new UserError(`backend ${name} failed to initialise`);
  await tf.ready();
}

/**
 * Loads backend `name`, or returns null when it is unavailable here; `reason` receives why, for the error
 * message of an explicit request.
 */
async function tryBackend(
  name: ConcreteBackend,
  reason: (why: string) => void,
  opts: { hardwareOnly: boolean },
): Promise<BackendInfo | null> {
  switch (name) {
    case 'tensorflow': {
      const binding = await loadTensorflowBinding();
      if (!binding) {
        reason(
          `backend tensorflow needs ${TENSORFLOW_PACKAGES.join(' (CUDA 11.x + cuDNN 8) or ')} ` +
            `(npm install @tensorflow/tfjs-node; see README "model" for GPU setup)`,
        );
        return null;
      }
      await activate('tensorflow');
      // tfjs-node-gpu falls back to the CPU when TensorFlow finds no usable CUDA device; the backend says which.
      const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      const gpu = onGpu ? (nvidiaGpus()[0] ?? null) : null;
      const memory = onGpu ? gpu && { bytes: gpu.memoryBytes, source: `nvidia-smi (${gpu.name})` } : hostCapabilities().memory;
      recordCapabilities('tensorflow', { kind: onGpu ? 'gpu' : 'cpu', maxTensorBytes: null, memory, batchesProducts: onGpu, fusedSoftcapLoss: false });
      const lib = binding.tensorflowVersion ? ` (libtensorflow ${binding.tensorflowVersion})` : '';
      return { name, version: `${tf.version.tfjs}${lib}`, adapter: binding.packageName };
    }
    case 'webgpu': {
      let adapter: WebGpuAdapter | null;
      try {
        // `auto` only looks (quietly, see probeWebGpuQuietly) until the adapter turns out to be worth loading.
        adapter = opts.hardwareOnly ? await probeWebGpuQuietly() : await probeWebGpu();
      } catch (err) {
        reason(`backend webgpu could not load Dawn (the 'webgpu' package): ${(err as Error).message}`);
        return null;
      }
      if (!adapter) {
        reason(
          'backend webgpu found no GPU adapter: install a Vulkan/Metal/D3D12 driver, or on a machine without ' +
            'a GPU Mesa >= 25 lavapipe (sudo bash .ci/install-deps.sh)',
        );
        return null;
      }
      if (opts.hardwareOnly && adapter.software) {
        reason(`backend webgpu skipped: ${adapter.description} is a software adapter, slower than wasm`);
        return null;
      }
      if (opts.hardwareOnly) await probeWebGpu();
      // Our WGSL products are shaped for CPU-emulated GPUs (no workgroup memory); real GPUs keep tfjs's tuned
      // shaders for them. The optimizer's fused element-wise updates suit any adapter.
      if (adapter.software) registerWebGpuKernels();
      registerWebGpuOptimizerUpdates();
      await activate('webgpu');
      recordCapabilities('webgpu', webGpuCapabilities(adapter));
      return { name, version: tf.version.tfjs, adapter: adapter.description };
    }
    case 'wasm':
      await loadWasm();
      await activate('wasm');
      recordCapabilities('wasm', wasmCapabilities());
      return { name, version: tf.version.tfjs, adapter: null };
    case 'cpu':
      await activate('cpu');
      recordCapabilities('cpu', hostCapabilities());
      return { name, version: tf.version.tfjs, adapter: null };
  }
}

function logChoice(info: BackendInfo): void {
  const adapter = info.adapter ? `, adapter: ${info.adapter}` : '';
  process.stderr.write(`capplan: backend auto -> ${info.name} (tfjs ${info.version}${adapter})\n`);
}

/**
 * Makes `name` the active tfjs backend (process-global), installs capplan's kernels for it (scatter-add, the
 * cpu fused-loss reference, the webgpu ones) and records the device's capabilities (capabilities.ts).
 * The model and optimizers ask those, never the backend's name.
 * An explicit backend that is unavailable is a UserError naming what to install; `auto` takes the first
 * available of AUTO_ORDER (webgpu only on a hardware adapter) and logs its choice on stderr.
 */
export async function initBackend(name: BackendName): Promise<BackendInfo> {
  parseBackendName(name);
  registerScatterAddKernels();
  registerCpuSoftcapCrossEntropy();
  if (name !== 'auto') {
    let why = `backend ${name} is not available`;
    const info = await tryBackend(name, (reason) => (why = reason), { hardwareOnly: false });
    if (!info) throw new UserError(why);
    return info;
  }
  for (const candidate of AUTO_ORDER) {
    const info = await tryBackend(candidate, () => undefined, { hardwareOnly: true });
    if (info) {
      logChoice(info);
      return info;
    }
  }
  throw new UserError('no tfjs backend could be initialised');
}
