import { totalmem } from 'node:os';
import { UserError } from '../errors.js';
import type { ModelDims } from '../model/dims.js';
import { describeEstimate, estimateTrainingMemory, formatBytes, parseByteSize } from './memory.js';

/** Flags shared by the training commands (`base train`, `sft`). */
export interface RunFlags {
  backend: string;
  maxSteps?: string;
  stopAt?: string;
  resume?: boolean;
  out?: string;
  seed?: string;
  maxMemory?: string;
  peakTflops?: string;
}

export function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 0xffffffff) {
    throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
  }
  return Number(value);
}

/** --peak-tflops as FLOP/s (undefined when not given). */
export function peakFlopsFlag(flags: RunFlags): number | undefined {
  const peakFlops = flags.peakTflops === undefined ? undefined : Number(flags.peakTflops) * 1e12;
  if (peakFlops !== undefined && !(peakFlops > 0)) throw new UserError(`--peak-tflops must be a positive number, got '${flags.peakTflops}'`);
  return peakFlops;
}

export interface MemoryLimit {
  bytes: number;
  /** Where the limit comes from, for the error message. */
  origin: 'total memory' | '--max-memory';
}

/** --max-memory (default: total RAM). */
export function memoryLimitFlag(flags: RunFlags): MemoryLimit {
  if (flags.maxMemory === undefined) return { bytes: totalmem(), origin: 'total memory' };
  const bytes = parseByteSize(flags.maxMemory);
  if (bytes === null) throw new UserError(`--max-memory must be a size such as 8GiB or 512MiB, got '${flags.maxMemory}'`);
  return { bytes, origin: '--max-memory' };
}

/**
 * Refuses a run whose estimated memory exceeds the limit, before allocating anything; returns the
 * estimate's description for the log.
 */
export function checkTrainingMemory(source: string, dims: ModelDims, seqLen: number, deviceBatch: number, limit: MemoryLimit): string {
  const estimate = estimateTrainingMemory(dims, seqLen, deviceBatch);
  if (estimate.total > limit.bytes) {
    throw new UserError(
      `${source}: training needs an estimated ${describeEstimate(estimate)}, more than the ` +
        `${formatBytes(limit.bytes)} limit (${limit.origin}); ` +
        `lower the device batch size or the sequence length`,
    );
  }
  return describeEstimate(estimate);
}
