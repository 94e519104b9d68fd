import type { Command } from 'commander';
import { parseBackendName } from '../backend/select.js';
import { UserError } from '../errors.js';
import { parseWorkerRequest } from '../train/parallel/worker-count.js';
import { byteSizeFlag, parseDeviceBatch, peakFlopsFlag } from '../train/run-flags.js';
import { benchTrain, formatTrainBench } from '../train/bench-train.js';
import { DEFAULT_RESULTS_DIR, GPU_BACKENDS, gpuCheck, type GpuBackend } from '../train/bench-gpu.js';

function positiveInteger(flag: string, value: string, min = 1): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
  }
  return n;
}

interface TrainBenchFlags {
  depth: string;
  vocab: string;
  seq: string;
  batch: string;
  deviceBatch: string;
  workers: string;
  maxMemory?: string;
  maxTensorBytes?: string;
  steps: string;
  warmup: string;
  backend: string;
  json?: boolean;
}

interface GpuBenchFlags {
  backends: string;
  depths: string;
  vocab: string;
  seq: string;
  batch: string;
  steps: string;
  warmup: string;
  peakTflops?: string;
  resultsDir: string;
  json?: boolean;
}

/** A comma-separated list, each item checked by `parse`. */
function listFlag<T>(value: string, parse: (item: string) => T): T[] {
  return value.split(',').map((item) => parse(item.trim()));
}

function gpuBackendName(value: string): GpuBackend {
  if ((GPU_BACKENDS as readonly string[]).includes(value)) return value as GpuBackend;
  throw new UserError(`--backends: unknown GPU backend '${value}' (choose from ${GPU_BACKENDS.join(', ')})`);
}

export function registerBenchCommands(group: Command): void {
  group
    .command('train')
    .description('time full optimizer steps (forward + backward + Muon/AdamW) of a depth on synthetic tokens')
    .requiredOption('--depth <n>', 'number of transformer blocks')
    .option('--vocab <v>', 'vocabulary size (padded up to a multiple of 64)', '4096')
    .option('--seq <t>', 'tokens per row', '128')
    .option('--batch <b>', 'rows per step', '8')
    .option('--device-batch <rows>', 'rows per micro-batch, a divisor of --batch; auto = the most that fit the device', 'auto')
    .option('--workers <n>', 'threads computing the micro-batches (wasm, cpu): auto = min(cores, micro-batches)', 'auto')
    .option('--steps <k>', 'timed steps', '5')
    .option('--warmup <w>', 'untimed steps before timing (kernel compilation, caches)', '1')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm or cpu', 'auto')
    .option('--max-memory <size>', "memory the run may use (e.g. 8GiB; default: the device's memory)")
    .option('--max-tensor-bytes <size>', "lower the device's largest tensor (e.g. 64MiB) to see what a smaller GPU would do")
    .option('--json', 'print one JSON object')
    .action(async (flags: TrainBenchFlags) => {
      const result = await benchTrain({
        backend: parseBackendName(flags.backend),
        depth: positiveInteger('--depth', flags.depth),
        vocab: positiveInteger('--vocab', flags.vocab),
        seq: positiveInteger('--seq', flags.seq),
        batch: positiveInteger('--batch', flags.batch),
        deviceBatch: parseDeviceBatch(flags.deviceBatch),
        workers: parseWorkerRequest(flags.workers),
        steps: positiveInteger('--steps', flags.steps),
        warmup: positiveInteger('--warmup', flags.warmup, 0),
        memoryLimitBytes: byteSizeFlag('--max-memory', flags.maxMemory),
        maxTensorBytes: byteSizeFlag('--max-tensor-bytes', flags.maxTensorBytes),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${formatTrainBench(result)}\n`);
    });

  group
    .command('gpu')
    .description(
      'one check for a GPU owner: list the WebGPU adapters and NVIDIA GPUs, time a few training steps of each depth that ' +
        'fits on every GPU backend present, print tok/s, MFU and the step split, and write bench/results/gpu-<device>-<date>.json',
    )
    .option('--backends <list>', `GPU backends to try (${GPU_BACKENDS.join(', ')})`, GPU_BACKENDS.join(','))
    .option('--depths <list>', 'depths to run, each only if it fits the device', '12,20')
    .option('--vocab <v>', 'vocabulary size', '32768')
    .option('--seq <t>', 'tokens per row', '2048')
    .option('--batch <rows>', 'rows per step, one micro-batch; auto = the most of 32, 16, … 1 that fit the device', 'auto')
    .option('--steps <k>', 'timed steps per run', '3')
    .option('--warmup <w>', 'untimed steps first (shader compilation, caches)', '1')
    .option('--peak-tflops <x>', "the device's fp32 peak, for MFU, when the built-in table does not know it")
    .option('--results-dir <dir>', 'where the results file goes', DEFAULT_RESULTS_DIR)
    .option('--json', 'print the results object as JSON after the report')
    .action(async (flags: GpuBenchFlags) => {
      const result = await gpuCheck(
        {
          backends: listFlag(flags.backends, gpuBackendName),
          depths: listFlag(flags.depths, (d) => positiveInteger('--depths', d)),
          vocab: positiveInteger('--vocab', flags.vocab),
          seq: positiveInteger('--seq', flags.seq),
          batch: flags.batch === 'auto' ? 'auto' : positiveInteger('--batch', flags.batch),
          steps: positiveInteger('--steps', flags.steps),
          warmup: positiveInteger('--warmup', flags.warmup, 0),
          peakFlops: peakFlopsFlag(flags.peakTflops),
          resultsDir: flags.resultsDir,
        },
        (line) => process.stdout.write(`${line}\n`),
      );
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
