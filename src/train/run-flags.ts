import { totalmem } from 'node:os';
import type { Command } from 'commander';
import { parseBackendName, type BackendName } from '../backend/select.js';
import { UserError } from '../errors.js';
import type { ModelDims } from '../model/dims.js';
import { describeEstimate, estimateTrainingMemory, formatBytes, parseByteSize } from './memory.js';
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
    .option('--max-memory <size>', 'refuse configs whose estimated memory exceeds this (e.g. 8GiB; default: total RAM)')
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
  memoryLimit: MemoryLimit;
  workers: WorkerRequest;
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
    peakFlops: peakFlopsFlag(flags),
    memoryLimit: memoryLimitFlag(flags),
    workers: parseWorkerRequest(flags.workers ?? 'auto'),
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
function peakFlopsFlag(flags: RunFlags): number | undefined {
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
function memoryLimitFlag(flags: RunFlags): MemoryLimit {
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
