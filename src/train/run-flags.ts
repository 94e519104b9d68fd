import type { Command } from 'commander';
import { activeCapabilities } from '../backend/capabilities.js';
import { parseBackendName, type BackendName } from '../backend/select.js';
import { UserError } from '../errors.js';
import type { ModelDims } from '../model/dims.js';
import { checkDeviceBatch, chooseDeviceBatch, type MemoryLimit } from './device-fit.js';
import { describeEstimate, parseByteSize } from './memory.js';
import { parseWorkerRequest, type WorkerRequest } from './parallel/worker-count.js';

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
  workers?: string;
  deviceBatch?: string;
}

/**
 * Declares the run flags on a training command. The `help` texts of --max-steps, --out and --seed say what
 * each flag means in that stage; the rest is identical for every stage.
 */
export function addRunOptions(cmd: Command, help: { maxSteps: string; out: string; seed: string }): Command {
  return cmd
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--max-steps <n>', help.maxSteps)
    .option('--stop-at <step>', 'stop with a checkpoint after this step; the LR schedule still spans all steps (continue with --resume)')
    .option('--resume', 'continue bit-exactly from the latest checkpoint in the run dir')
    .option('--out <dir>', help.out)
    .option('--seed <n>', help.seed)
    .option('--max-memory <size>', "refuse configs whose estimated memory exceeds this (e.g. 8GiB; default: the device's memory)")
    .option('--device-batch <rows>', "rows per micro-batch instead of the config's device_batch_size; auto = the most that fit the device")
    .option('--peak-tflops <x>', "the device's peak fp32 TFLOP/s, to report MFU")
    .option(
      '--workers <n>',
      "threads computing each step's micro-batches (wasm, cpu): auto = min(cores, micro-batches); 1 = no worker threads; results are bit-identical for any count",
      'auto',
    );
}

export interface ParsedRunFlags {
  backendName: BackendName;
  maxSteps: number | undefined;
  stopAt: number | undefined;
  seed: number | undefined;
  peakFlops: number | undefined;
  /** --max-memory; null: the device's memory, known once the backend is up. */
  memoryLimit: MemoryLimit | null;
  workers: WorkerRequest;
  deviceBatch: DeviceBatchRequest | undefined;
}

/** `--device-batch`: rows per micro-batch, or 'auto' (the most that fit the device). */
export type DeviceBatchRequest = number | 'auto';

export function parseDeviceBatch(value: string): DeviceBatchRequest {
  if (value === 'auto') return 'auto';
  const rows = intFlag('--device-batch', value, 1);
  return rows!;
}

/** The loop options every training stage takes from its run flags. */
export function loopOptionsFrom(parsed: ParsedRunFlags, flags: RunFlags, runDir: string) {
  return {
    runDir,
    maxSteps: parsed.maxSteps,
    stopAtStep: parsed.stopAt,
    resume: flags.resume ?? false,
    peakFlops: parsed.peakFlops,
    workers: parsed.workers,
    resumeCommand: resumeCommandLine(process.argv.slice(2)),
  };
}

/** This command line with `--resume` (once), quoted for a POSIX shell. */
export function resumeCommandLine(args: readonly string[]): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  return ['capplan', ...args.filter((a) => a !== '--resume'), '--resume'].map(quote).join(' ');
}

/** Validates the run flags up front, so a typo fails before any config or data is read. */
export function parseRunFlags(flags: RunFlags): ParsedRunFlags {
  return {
    backendName: parseBackendName(flags.backend),
    maxSteps: intFlag('--max-steps', flags.maxSteps, 1),
    stopAt: intFlag('--stop-at', flags.stopAt, 1),
    seed: intFlag('--seed', flags.seed, 0),
    peakFlops: peakFlopsFlag(flags.peakTflops),
    memoryLimit: memoryLimitFlag(flags),
    workers: parseWorkerRequest(flags.workers ?? 'auto'),
    deviceBatch: flags.deviceBatch === undefined ? undefined : parseDeviceBatch(flags.deviceBatch),
  };
}

function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 0xffffffff) {
    throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
  }
  return Number(value);
}

/** --peak-tflops as FLOP/s (undefined when not given). */
export function peakFlopsFlag(value: string | undefined): number | undefined {
  const peakFlops = value === undefined ? undefined : Number(value) * 1e12;
  if (peakFlops !== undefined && !(peakFlops > 0)) throw new UserError(`--peak-tflops must be a positive number, got '${value}'`);
  return peakFlops;
}

/** A size flag ("512MiB", "8GiB", a byte count) in bytes; undefined when not given. */
export function byteSizeFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseByteSize(value);
  if (bytes === null || bytes < 1) throw new UserError(`${flag} must be a size such as 8GiB or 512MiB, got '${value}'`);
  return bytes;
}

/** --max-memory, or null when not given. */
function memoryLimitFlag(flags: RunFlags): MemoryLimit | null {
  const bytes = byteSizeFlag('--max-memory', flags.maxMemory);
  return bytes === undefined ? null : { bytes, origin: '--max-memory' };
}

/** --max-memory, else the active backend's device memory (null when the device does not report it). */
export function deviceMemoryLimit(flag: MemoryLimit | null): MemoryLimit | null {
  const memory = activeCapabilities().memory;
  return flag ?? (memory ? { bytes: memory.bytes, origin: memory.source } : null);
}

/**
 * The rows per micro-batch of a training run on the active backend, decided before anything is allocated:
 * the config's device_batch_size, or --device-batch (a number, checked by checkDeviceBatchDivides first, or
 * auto: the most that fit the device and divide the step's rows, total_batch_tokens / seq_len). Refuses one
 * that does not fit, naming the estimate and the limit. Returns the rows and the estimate's description.
 */
export function resolveDeviceBatch(
  source: string,
  dims: ModelDims,
  seqLen: number,
  optim: { device_batch_size: number; total_batch_tokens: number },
  parsed: Pick<ParsedRunFlags, 'deviceBatch' | 'memoryLimit'>,
): { rows: number; estimate: string } {
  const caps = activeCapabilities();
  const memory = deviceMemoryLimit(parsed.memoryLimit);
  const request = parsed.deviceBatch ?? optim.device_batch_size;
  if (request === 'auto') {
    const chosen = chooseDeviceBatch(source, dims, seqLen, optim.total_batch_tokens / seqLen, caps, memory);
    return { rows: chosen.rows, estimate: describeEstimate(chosen.estimate) };
  }
  return { rows: request, estimate: describeEstimate(checkDeviceBatch(source, dims, seqLen, request, caps, memory)) };
}

/** Refuses a --device-batch that does not divide the rows of a step, before the backend starts. */
export function checkDeviceBatchDivides(source: string, seqLen: number, totalBatchTokens: number, request: DeviceBatchRequest | undefined): void {
  const stepRows = totalBatchTokens / seqLen;
  if (typeof request === 'number' && stepRows % request !== 0) {
    throw new UserError(`${source}: --device-batch ${request} must divide the ${stepRows} rows of a step (total_batch_tokens / seq_len)`);
  }
}
