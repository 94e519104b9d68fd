import type { Command } from 'commander';
import { parseBackendName } from '../backend/select.js';
import { UserError } from '../errors.js';
import { parseWorkerRequest } from './parallel/worker-count.js';
import { byteSizeFlag, parseDeviceBatch } from './run-flags.js';
import { benchTrain, formatTrainBench } from './bench-train.js';

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
}
