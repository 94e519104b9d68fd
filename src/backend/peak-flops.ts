import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** A device's peak fp32 FLOP/s (tfjs computes in fp32) and where the number comes from. */
export interface PeakFlops {
  flops: number;
  source: string;
}

/**
 * Vendor fp32 peaks (boost clock, without tensor cores) of GPUs people train on, TFLOP/s. The first pattern
 * that matches the device name wins, so the more specific names come first.
 */
const GPU_FP32_TFLOPS: ReadonlyArray<[RegExp, string, number]> = [
  [/RTX 5090/i, 'RTX 5090', 104.8],
  [/RTX 4090/i, 'RTX 4090', 82.6],
  [/RTX 4080 SUPER/i, 'RTX 4080 SUPER', 52.2],
  [/RTX 4080/i, 'RTX 4080', 48.7],
  [/RTX 3090 Ti/i, 'RTX 3090 Ti', 40],
  [/RTX 3090/i, 'RTX 3090', 35.6],
  [/RTX 3080/i, 'RTX 3080', 29.8],
  [/H100.*PCIe/i, 'H100 PCIe', 51],
  [/H100/i, 'H100 SXM', 67],
  [/A100/i, 'A100', 19.5],
  [/L40S/i, 'L40S', 91.6],
  [/\bL4\b/i, 'L4', 30.3],
  [/\bA10G?\b/i, 'A10/A10G', 31.2],
  [/V100.*PCIe/i, 'V100 PCIe', 14],
  [/V100/i, 'V100 SXM2', 15.7],
  [/\bT4\b/i, 'T4', 8.1],
];

/** The built-in fp32 peak of a GPU by name, or null when the table does not know it (pass --peak-tflops). */
export function gpuPeakFlops(deviceName: string): PeakFlops | null {
  // Laptop parts share desktop names at a fraction of the clock.
  if (/laptop|mobile|max-q/i.test(deviceName)) return null;
  const hit = GPU_FP32_TFLOPS.find(([pattern]) => pattern.test(deviceName));
  return hit ? { flops: hit[2] * 1e12, source: `${hit[1]} fp32 peak, ${hit[2]} TFLOP/s (built-in table of vendor figures)` } : null;
}

/**
 * An estimate of the CPU's fp32 peak, for a software adapter (lavapipe runs the shaders on `threads` cores):
 * cores × clock × FLOPs per cycle from the vector units /proc/cpuinfo lists (two FMA pipes of 16 lanes with
 * AVX-512, of 8 with AVX2 + FMA). The current clock, not the boost one, so it is rough.
 */
export function cpuPeakFlops(threads = availableParallelism()): PeakFlops | null {
  let info: string;
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1]);
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  if (!(mhz > 0)) return null;
  const perCycle = flags.has('avx512f') ? 64 : flags.has('avx2') && flags.has('fma') ? 32 : flags.has('avx') ? 16 : 8;
  return {
    flops: threads * mhz * 1e6 * perCycle,
    source: `estimate: ${threads} cores × ${(mhz / 1000).toFixed(2)} GHz × ${perCycle} FLOP/cycle (/proc/cpuinfo)`,
  };
}
