import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { TrainConfigSchema } from '../config/train-schema.js';
import { initBackend } from '../backend/select.js';
import { modelDims } from '../model/dims.js';
import { writeManifest } from '../provenance/manifest.js';
import { loadTokenizer } from '../tokenizer/tokenizer.js';
import { DEFAULT_LOCK_PATH } from '../data/paths.js';
import { openTrainData } from '../train/data-sources.js';
import { addRunOptions, checkDeviceBatchDivides, loopOptionsFrom, parseRunFlags, resolveDeviceBatch, type RunFlags } from '../train/run-flags.js';
import { runMetrics, train } from '../train/trainer.js';

interface BaseTrainFlags extends RunFlags {
  config: string;
}

async function baseTrain(flags: BaseTrainFlags): Promise<void> {
  const run = parseRunFlags(flags);
  const { backendName, seed } = run;

  const parsed = loadConfig(TrainConfigSchema, flags.config);
  const seeded = seed === undefined ? parsed : { ...parsed, seed };
  const tokenizer = loadTokenizer(seeded.data.tokenizer_dir);
  try {
    const dims = modelDims(seeded.model.depth, tokenizer.vocabSize);
    checkDeviceBatchDivides(flags.config, seeded.model.seq_len, seeded.optim.total_batch_tokens, run.deviceBatch);
    const backend = await initBackend(backendName);
    // Refused here, on the device's own limits, before the data is read or anything is allocated.
    const deviceBatch = resolveDeviceBatch(flags.config, dims, seeded.model.seq_len, seeded.optim, run);
    const config = { ...seeded, optim: { ...seeded.optim, device_batch_size: deviceBatch.rows } };
    const estimate = deviceBatch.estimate;
    const data = openTrainData(config.data, (text) => tokenizer.encode(text), tokenizer.vocabSize, flags.config);
    // Fail on an empty or missing validation split now, not after hours of training.
    await data.val.group(0);
    const runDir = flags.out ?? join('runs', `base-d${config.model.depth}`);
    const startedAt = new Date();
    process.stdout.write(`estimated memory ${estimate}; backend ${backend.name}${backend.adapter ? ` (${backend.adapter})` : ''}; data ${data.description}\n`);
    const result = await train({
      config,
      tokenizer,
      data,
      ...loopOptionsFrom(run, flags, runDir),
    });
    if (result.step === result.totalSteps) {
      writeManifest(runDir, {
        stage: 'base',
        inputs: {
          config: { path: flags.config },
          ...(config.data.parquet_dir === null ? { corpus_lock: { path: DEFAULT_LOCK_PATH } } : {}),
          // Hashed when the documents were generated: a catalog edited during the run fails here.
          ...(data.catalog ? { catalog: data.catalog } : {}),
        },
        parents: { tokenizer: config.data.tokenizer_dir },
        config,
        seeds: { seed: config.seed },
        // step = total_steps: `base train --max-steps <total_steps>` with this config re-runs the same schedule.
        metrics: { ...runMetrics(result), val_bpb: result.valBpb },
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
  const cmd = group
    .command('train')
    .description(
      'pretrain the depth-N GPT on the synced corpus (or parquet shards): Muon + AdamW, BOS-aligned packing, ' +
        'val bits-per-byte, checkpoints model_/optim_/meta_<step> in the run dir',
    )
    .requiredOption('--config <file>', 'training config, e.g. configs/d2.json');
  addRunOptions(cmd, {
    maxSteps: 'total optimizer steps (replaces the token budget target_param_data_ratio × params)',
    out: 'run directory (default runs/base-d<depth>)',
    seed: 'override the config seed (model init and data order)',
  }).action(baseTrain);
}
