import * as tf from '@tensorflow/tfjs';
import { countDeviceError, hostCapabilities, type DeviceCapabilities } from './capabilities.js';
import { matchNvidiaGpu, nvidiaGpus } from './nvidia-smi.js';
import type { WebGpuAdapter } from './webgpu.js';

interface GpuDevice {
  limits: Record<string, number>;
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
}

const watched = new WeakSet<object>();

/** The GPUDevice of the active webgpu backend (tfjs creates it with the adapter's buffer limits). */
function activeDevice(): GpuDevice {
  const device = (tf.backend() as unknown as { device?: GpuDevice }).device;
  if (!device) throw new Error('the active tfjs backend has no WebGPU device');
  return device;
}

/**
 * Validation and out-of-memory errors of the device, which WebGPU reports only as events: a kernel that
 * binds a buffer over the limit silently computes nothing. Each is written to stderr and counted
 * (capabilities.ts: deviceErrorCount).
 */
function watchErrors(device: GpuDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (event) => {
    countDeviceError();
    process.stderr.write(`capplan: webgpu device error: ${event.error.message.split('\n')[0]}\n`);
  });
}

/**
 * Capabilities of the webgpu backend just activated on `adapter`: the largest bindable tensor from the
 * device's limits; memory from the host for a software adapter (it allocates in RAM), from nvidia-smi for an
 * NVIDIA GPU, otherwise unknown (WebGPU has no query for it).
 */
export function webGpuCapabilities(adapter: WebGpuAdapter): DeviceCapabilities {
  const device = activeDevice();
  watchErrors(device);
  const maxTensorBytes = Math.min(device.limits.maxStorageBufferBindingSize!, device.limits.maxBufferSize!);
  const nvidia = adapter.software ? null : matchNvidiaGpu(adapter.description, nvidiaGpus());
  const memory = adapter.software
    ? { bytes: hostCapabilities().memory!.bytes, source: 'host memory, software adapter' }
    : nvidia
      ? { bytes: nvidia.memoryBytes, source: `nvidia-smi (${nvidia.name})` }
      : null;
  return { kind: adapter.software ? 'software' : 'gpu', maxTensorBytes, memory, batchesProducts: true, fusedSoftcapLoss: true };
}
