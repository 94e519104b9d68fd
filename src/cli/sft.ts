import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../backend/select.js';
import { loadConfig } from '../config/load.js';
import { modelDims } from '../model/dims.js';
import { writeManifest, type ManifestInput } from '../provenance/manifest.js';
import { MANIFEST_FILE } from '../provenance/outputs.js';
import { TOKENIZER_FILE } from '../tokenizer/format.js';
import { loadTokenizer } from '../tokenizer/tokenizer.js';
import { addRunOptions, checkDeviceBatchDivides, loopOptionsFrom, parseRunFlags, resolveDeviceBatch, type RunFlags } from '../train/run-flags.js';
import { runMetrics } from '../train/trainer.js';
import { sha256FileSync } from '../util/hash.js';
import { checkTokenizer, loadBaseCheckpoint } from '../sft/base-checkpoint.js';
import { SftConfigSchema } from '../sft/config.js';
import { openPlanSet } from '../sft/plan-set.js';
import { runSft } from '../sft/run.js';

interface SftFlags extends RunFlags {
  config: string;
  from: string;
  data?: string;
}

/** A file recorded by path when it still has the hash we know, else by hash alone (not re-checkable). */
function fileOrHash(path: string, sha256: string): ManifestInput {
  return existsSync(path) && sha256FileSync(path) === sha256 ? { path, sha256 } : { sha256 };
}

async function sft(flags: SftFlags): Promise<void> {
  const run = parseRunFlags(flags);
  const { backendName, seed } = run;

  const parsed = loadConfig(SftConfigSchema, flags.config);
  const configured = {
    ...parsed,
    seed: seed ?? parsed.seed,
    data: { ...parsed.data, dir: flags.data ?? parsed.data.dir },
  };
  const base = loadBaseCheckpoint(flags.from);
  const tokenizer = loadTokenizer(configured.tokenizer_dir);
  try {
    // Everything that can be refused is refused before the data is tokenized; the memory check needs the device.
    checkTokenizer(base, tokenizer.sha256, configured.tokenizer_dir);
    const dims = modelDims(base.model.depth, tokenizer.vocabSize);
    checkDeviceBatchDivides(flags.config, configured.seq_len, configured.optim.total_batch_tokens, run.deviceBatch);
    const backend = await initBackend(backendName);
    const deviceBatch = resolveDeviceBatch(flags.config, dims, configured.seq_len, configured.optim, run);
    const config = { ...configured, optim: { ...configured.optim, device_batch_size: deviceBatch.rows } };
    const estimate = deviceBatch.estimate;
    const plans = openPlanSet(config.data, flags.config, config.eval.examples);
    const runDir = flags.out ?? join('runs', `sft-d${base.model.depth}`);
    const startedAt = new Date();
    process.stdout.write(
      `sft from ${base.metaPath} (step ${base.step}); plans ${plans.dir}; estimated memory ${estimate}; ` +
        `backend ${backend.name}${backend.adapter ? ` (${backend.adapter})` : ''}\n`,
    );
    const result = await runSft({
      config,
      base,
      tokenizer,
      splits: plans.splits,
      inputs: { plans_manifest_sha256: plans.manifestSha256 },
      ...loopOptionsFrom(run, flags, runDir),
    });
    if (result.step === result.totalSteps) {
      const tokenizerHasManifest = existsSync(join(config.tokenizer_dir, MANIFEST_FILE));
      writeManifest(runDir, {
        stage: 'sft',
        inputs: {
          config: { path: flags.config },
          plans_manifest: { path: plans.manifestPath, sha256: plans.manifestSha256 },
          catalog: fileOrHash(plans.catalog.path, plans.catalog.sha256),
          // A base or tokenizer without a manifest (an intermediate checkpoint) is pinned by its file's hash.
          ...(base.hasManifest ? {} : { base_weights: { path: base.modelPath, sha256: base.modelSha256 } }),
          ...(tokenizerHasManifest ? {} : { tokenizer: { path: join(config.tokenizer_dir, TOKENIZER_FILE) } }),
        },
        parents: {
          ...(base.hasManifest ? { base: base.dir } : {}),
          ...(tokenizerHasManifest ? { tokenizer: config.tokenizer_dir } : {}),
        },
        config: result.runConfig,
        seeds: { seed: config.seed, plans_seed: config.data.seed },
        // step = total_steps: `sft --max-steps <total_steps>` with this config and base re-runs the same schedule.
        metrics: {
          ...runMetrics(result),
          base_step: base.step,
          ...Object.fromEntries(Object.entries(result.startEvals ?? {}).map(([k, v]) => [`${k}_before`, v])),
          ...result.evals,
        },
        startedAt,
        endedAt: new Date(),
        backend: { name: backend.name, version: backend.version, adapter: backend.adapter },
      });
    }
    const val = (name: string) => (result.evals[name] == null ? 'n/a' : result.evals[name]!.toFixed(4));
    process.stdout.write(
      `done: step ${result.step}/${result.totalSteps}, loss ${result.loss.toFixed(4)}, val loss ${val('val_loss')}, ` +
        `val_unseen loss ${val('val_unseen_loss')}, ${result.msPerStep.toFixed(0)} ms/step, ` +
        `${Math.round(result.tokensPerSecond)} tok/s; checkpoints in ${runDir}\n`,
    );
  } finally {
    tokenizer.free();
  }
}

export function registerSftCommands(program: Command): void {
  const cmd = program
    .command('sft')
    .description(
      'fine-tune a base checkpoint on the ActionPlan set with the chat template (loss on the plan and ' +
        '<|assistant_end|> only): Muon + AdamW at the base LRs × the config scales, packed whole examples, ' +
        'val and val_unseen plan loss, checkpoints model_/optim_/meta_<step> in the run dir',
    )
    .requiredOption('--config <file>', 'SFT config, e.g. configs/sft-d2.json')
    .requiredOption('--from <checkpoint>', 'base run directory (its latest step) or one of its model_/meta_<step> files')
    .option('--data <dir>', 'plan set written by `capplan data plans` (overrides data.dir of the config)');
  addRunOptions(cmd, {
    maxSteps: 'total optimizer steps (replaces the config epochs/steps)',
    out: 'run directory (default runs/sft-d<depth>)',
    seed: 'override the config seed (data order)',
  }).action(sft);
}
