import { spawnSync } from 'node:child_process';

export interface NvidiaGpu {
  name: string;
  memoryBytes: number;
  driver: string;
}

/**
 * The NVIDIA GPUs `nvidia-smi` reports (name, total memory, driver version); empty when the tool is missing or
 * fails. WebGPU and tfjs-node-gpu do not say how much memory a GPU has, so this is where the planner gets it.
 */
export function nvidiaGpus(): NvidiaGpu[] {
  const res = spawnSync('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (res.status !== 0 || !res.stdout) return [];
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((field) => field.trim()))
    .filter((fields) => fields.length === 3 && Number.isFinite(Number(fields[1])))
    .map(([name, mib, driver]) => ({ name: name!, memoryBytes: Number(mib) * 1024 ** 2, driver: driver! }));
}

/** The nvidia-smi entry an adapter description names (the driver puts the marketing name in it), if any. */
export function matchNvidiaGpu(description: string, gpus: readonly NvidiaGpu[]): NvidiaGpu | null {
  const text = description.toLowerCase();
  return gpus.find((gpu) => text.includes(gpu.name.toLowerCase().replace(/^nvidia\s+/, ''))) ?? null;
}
