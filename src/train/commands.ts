import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { TrainConfigSchema } from '../config/train-schema.js';
import { UserError } from '../errors.js';
import { initBackend, parseBackendName } from '../backend/select.js';
import { modelDims } from '../model/dims.js';
import { writeManifest } from '../provenance/manifest.js';
import { loadTokenizer } from '../tokenizer/tokenizer.js';
import { DEFAULT_LOCK_PATH } from '../data/paths.js';
import { openTrainData } from './data-sources.js';
import { describeEstimate, estimateTrainingMemory, formatBytes, parseByteSize } from './memory.js';
import { train } from './trainer.js';

interface BaseTrainFlags {
  config: string;
  backend: string;
  maxSteps?: string;
  stopAt?: string;
  resume?: boolean;
  out?: string;
  seed?: string;
  maxMemory?: string;
  peakTflops?: string;
}

function intFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > 0xffffffff) {
    throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
  }
  return Number(value);
}

async function baseTrain(flags: BaseTrainFlags): Promise<void> {
  const backendName = parseBackendName(flags.backend);
  const maxSteps = intFlag('--max-steps', flags.maxSteps, 1);
  const stopAt = intFlag('--stop-at', flags.stopAt, 1);
  const seed = intFlag('--seed', flags.seed, 0);
  const peakFlops = flags.peakTflops === undefined ? undefined : Number(flags.peakTflops) * 1e12;
  if (peakFlops !== undefined && !(peakFlops > 0)) throw new UserError(`--peak-tflops must be a positive number, got '${flags.peakTflops}'`);
  const memoryLimit = flags.maxMemory === undefined ? totalmem() : parseByteSize(flags.maxMemory);
  if (memoryLimit === null) throw new UserError(`--max-memory must be a size such as 8GiB or 512MiB, got '${flags.maxMemory}'`);

  const parsed = loadConfig(TrainConfigSchema, flags.config);
  const config = seed === undefined ? parsed : { ...parsed, seed };
  const tokenizer = loadTokenizer(config.data.tokenizer_dir);
  try {
    const dims = modelDims(config.model.depth, tokenizer.vocabSize);
    const estimate = estimateTrainingMemory(dims, config.model.seq_len, config.optim.device_batch_size);
    if (estimate.total > memoryLimit) {
      throw new UserError(
        `${flags.config}: training needs an estimated ${describeEstimate(estimate)}, more than the ` +
          `${formatBytes(memoryLimit)} limit (${flags.maxMemory === undefined ? 'total memory' : '--max-memory'}); ` +
          `lower optim.device_batch_size or model.seq_len`,
      );
    }
    const backend = await initBackend(backendName);
    const data = openTrainData(config.data, (text) => tokenizer.encode(text), tokenizer.vocabSize);
    // Fail on an empty or missing validation split now, not after hours of training.
    await data.val.group(0);
    const runDir = flags.out ?? join('runs', `base-d${config.model.depth}`);
    const startedAt = new Date();
    process.stdout.write(`estimated memory ${describeEstimate(estimate)}; backend ${backend.name}${backend.adapter ? ` (${backend.adapter})` : ''}\n`);
    const result = await train({
      config,
      tokenizer,
      data,
      runDir,
      maxSteps,
      stopAtStep: stopAt,
      resume: flags.resume ?? false,
      peakFlops,
    });
    if (result.step === result.totalSteps) {
      writeManifest(runDir, {
        stage: 'base',
        inputs: { config: { path: flags.config }, ...(config.data.parquet_dir === null ? { corpus_lock: { path: DEFAULT_LOCK_PATH } } : {}) },
        parents: { tokenizer: config.data.tokenizer_dir },
        config,
        seeds: { seed: config.seed },
        // step = total_steps: `base train --max-steps <total_steps>` with this config re-runs the same schedule.
        metrics: {
          step: result.step,
          total_steps: result.totalSteps,
          loss: result.loss,
          val_bpb: result.valBpb,
          ms_per_step: result.msPerStep,
          tokens_per_s: result.tokensPerSecond,
          peak_rss_bytes: result.peakRssBytes,
        },
        startedAt,
        endedAt: new Date(),
        backend: { name: backend.name, version: backend.version, adapter: backend.adapter },
      });
    }
    const bpb = result.valBpb === null ? 'n/a' : result.valBpb.toFixed(4);
    process.stdout.write(
      `done: step ${result.step}/${result.totalSteps}, loss ${result.loss.toFixed(4)}, val bpb ${bpb}, ` +
        `${result.msPerStep.toFixed(0)} ms/step, ${Math.round(result.tokensPerSecond)} tok/s; checkpoints in ${runDir}\n`,
    );
  } finally {
    tokenizer.free();
  }
}

export function registerBaseCommands(group: Command): void {
  group
    .command('train')
    .description(
      'pretrain the depth-N GPT on the synced corpus (or parquet shards): Muon + AdamW, BOS-aligned packing, ' +
        'val bits-per-byte, checkpoints model_/optim_/meta_<step> in the run dir',
    )
    .requiredOption('--config <file>', 'training config, e.g. configs/d2.json')
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--max-steps <n>', 'total optimizer steps (replaces the token budget target_param_data_ratio × params)')
    .option('--stop-at <step>', 'stop with a checkpoint after this step; the LR schedule still spans all steps (continue with --resume)')
    .option('--resume', 'continue bit-exactly from the latest checkpoint in the run dir')
    .option('--out <dir>', 'run directory (default runs/base-d<depth>)')
    .option('--seed <n>', 'override the config seed (model init and data order)')
    .option('--max-memory <size>', 'refuse configs whose estimated memory exceeds this (e.g. 8GiB; default: total RAM)')
    .option('--peak-tflops <x>', "the device's peak fp32 TFLOP/s, to report MFU")
    .action(baseTrain);
}
