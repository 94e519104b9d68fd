import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/train-schema.js';
import { UserError } from '../errors.js';
import { Gpt } from '../model/gpt.js';
import { modelDims, paramCount, type ModelDims } from '../model/dims.js';
import { tokenByteLengths } from './bpb.js';
import { checkpointSteps, loadCheckpoint, restoreVariables, saveCheckpoint, META_FORMAT, type CheckpointMeta } from './checkpoint.js';
import { validationBpb } from './evaluate.js';
import { flopsPerToken } from './flops.js';
import { accumulateGradients } from './gradients.js';
import { PackedLoader, type Batch, type LoaderPosition } from './loader.js';
import { ModelOptimizers } from './optim/optimizers.js';
import { formatProgress, type ProgressRecord } from './progress.js';
import { greedyContinue } from './sample.js';
import type { TokenSource } from './token-source.js';

/** What the trainer needs from a tokenizer (src/tokenizer/tokenizer.ts provides it). */
export interface TrainTokenizer {
  vocabSize: number;
  encode(text: string): number[] | Uint32Array;
  decode(ids: number[]): string;
  tokenBytes(id: number): Uint8Array;
  specialId(name: string): number;
  sha256?: string;
}

export interface TrainOptions {
  config: TrainConfig;
  tokenizer: TrainTokenizer;
  data: { train: TokenSource; val: TokenSource };
  runDir: string;
  /** Total optimizer steps, replacing the token budget (target_param_data_ratio × params). */
  maxSteps?: number;
  /** Stop (with a checkpoint) once this many steps are done; the schedule still spans all steps. */
  stopAtStep?: number;
  resume: boolean;
  /** Peak FLOP/s of the device, for MFU; omitted when unknown. */
  peakFlops?: number;
  log?: (line: string) => void;
}

export interface TrainResult {
  step: number;
  totalSteps: number;
  loss: number;
  valBpb: number | null;
  msPerStep: number;
  tokensPerSecond: number;
  sample: string | null;
  peakRssBytes: number;
}

export const BOS = '<|bos|>';
export const TRAIN_LOG = 'train.jsonl';

/** Steps needed to see target_param_data_ratio × params tokens at total_batch_tokens per step. */
export function budgetSteps(config: TrainConfig, dims: ModelDims): number {
  return Math.max(1, Math.ceil((config.optim.target_param_data_ratio * paramCount(dims)) / config.optim.total_batch_tokens));
}

/** The config sections that must not change across a resume (they decide the numbers). */
function resumeSections(config: TrainConfig): Record<string, unknown> {
  return { model: config.model, data: config.data, optim: config.optim, seed: config.seed };
}

function checkResumable(meta: CheckpointMeta, config: TrainConfig, source: string): void {
  const saved = resumeSections(meta.config as TrainConfig);
  const now = resumeSections(config);
  for (const key of Object.keys(now)) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(now[key])) {
      throw new UserError(`${source}: config field \`${key}\` differs from the checkpoint's; resume with the same config`);
    }
  }
}

function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, tokenizer, runDir } = opts;
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const dims = modelDims(config.model.depth, tokenizer.vocabSize);
  const seqLen = config.model.seq_len;
  const rowsPerMicro = config.optim.device_batch_size;
  const accumSteps = config.optim.total_batch_tokens / (rowsPerMicro * seqLen);
  const existing = checkpointSteps(runDir);
  if (!opts.resume && existing.length > 0) {
    throw new UserError(`${runDir} already holds checkpoints (latest step ${existing.at(-1)}); pass --resume to continue or --out for a new run`);
  }
  if (opts.resume && existing.length === 0) throw new UserError(`--resume: ${runDir} holds no checkpoint (meta_<step>.json)`);

  const model = new Gpt({ dims, seqLen, ropeBase: config.model.rope_base, seed: config.seed });
  const optim = new ModelOptimizers(model.params, config.optim, dims.dModel);
  try {
    let startStep = 0;
    let position: LoaderPosition | undefined;
    let totalSteps = opts.maxSteps ?? budgetSteps(config, dims);
    if (opts.resume) {
      const step = existing.at(-1)!;
      const ckpt = loadCheckpoint(runDir, step, model.params, optim.stateTensors());
      checkResumable(ckpt.meta, config, join(runDir, `meta_${step}.json`));
      if ((ckpt.meta.tokenizer_sha256 ?? null) !== (tokenizer.sha256 ?? null)) {
        throw new UserError(`${join(runDir, `meta_${step}.json`)}: the checkpoint was trained with another tokenizer (sha256 differs)`);
      }
      restoreVariables(model.params, ckpt.model);
      restoreVariables(optim.stateTensors(), ckpt.optimizer);
      optim.restoreCounters(ckpt.meta.optimizer);
      startStep = step;
      position = ckpt.meta.data_position;
      if (opts.maxSteps === undefined) totalSteps = ckpt.meta.total_steps;
      log(`resumed from ${join(runDir, `meta_${step}.json`)} at step ${step}`);
    }
    const stopAt = Math.min(opts.stopAtStep ?? totalSteps, totalSteps);
    if (startStep >= stopAt) {
      throw new UserError(`--resume: the run in ${runDir} is already at step ${startStep} of ${totalSteps}; raise --max-steps to train further`);
    }
    const bos = tokenizer.specialId(BOS);
    const byteLengths = tokenByteLengths(dims.vocabSize, tokenizer.vocabSize, (id) => tokenizer.tokenBytes(id));
    const trainLoader = new PackedLoader(opts.data.train, { seqLen, bos, seed: config.seed, position });
    const tokensPerStep = config.optim.total_batch_tokens;
    const flopsPerStep = flopsPerToken(dims, seqLen) * tokensPerStep;
    log(
      `base train: depth ${dims.depth}, d_model ${dims.dModel}, ${dims.nHead} heads, vocab ${dims.vocabSize}, ` +
        `${paramCount(dims).toLocaleString('en-US')} params; ${totalSteps} steps × ${tokensPerStep} tokens ` +
        `(${accumSteps} micro-batches of ${rowsPerMicro}×${seqLen}); backend ${tf.getBackend()}; run dir ${runDir}`,
    );
    mkdirSync(runDir, { recursive: true });
    const logPath = join(runDir, TRAIN_LOG);
    const record = (r: Record<string, unknown>) => appendFileSync(logPath, JSON.stringify(r) + '\n');

    const sample = async (): Promise<string | null> => {
      if (config.eval.sample_tokens === 0) return null;
      const prompt = [bos, ...tokenizer.encode(config.eval.sample_prompt)].slice(0, seqLen);
      const ids = await greedyContinue(model, prompt, config.eval.sample_tokens, seqLen, tokenizer.vocabSize);
      return config.eval.sample_prompt + tokenizer.decode(ids);
    };

    let loss = Number.NaN;
    let valBpb: number | null = null;
    let lastSample: string | null = null;
    let trainMs = 0;
    let windowMs = 0;
    let windowSteps = 0;
    const runStart = Date.now();
    for (let step = startStep; step < stopAt; step++) {
      const t0 = performance.now();
      const batches: Batch[] = [];
      for (let i = 0; i < accumSteps; i++) {
        const b = await trainLoader.nextBatch(rowsPerMicro);
        if (!b) throw new Error('training loader ran dry'); // never: the training loader cycles epochs
        batches.push(b);
      }
      const { loss: stepLoss, grads } = await accumulateGradients(model, batches);
      const sched = optim.step(grads, step, totalSteps);
      tf.dispose([...grads.values()]);
      loss = stepLoss;
      const ms = performance.now() - t0;
      trainMs += ms;
      windowMs += ms;
      windowSteps += 1;
      const done = step + 1;
      if (!Number.isFinite(loss)) throw new UserError(`training diverged at step ${done}: loss is ${loss}; lower the learning rates`);

      const isLast = done === totalSteps;
      const evalNow = isLast || (config.eval.every > 0 && done % config.eval.every === 0);
      let evaluated: number | null | undefined;
      if (evalNow) {
        evaluated = await validationBpb(model, opts.data.val, {
          seqLen,
          rows: rowsPerMicro,
          bos,
          tokens: config.eval.tokens,
          tokenBytes: byteLengths,
        });
        valBpb = evaluated;
        lastSample = await sample();
      }
      if (evalNow || done === stopAt || done % config.log_every === 0) {
        const secondsPerStep = windowMs / 1000 / windowSteps;
        const tokPerSec = tokensPerStep / secondsPerStep;
        const rec: ProgressRecord = {
          step: done,
          total_steps: totalSteps,
          loss,
          val_bpb: evaluated,
          lr_multiplier: sched.lrMultiplier,
          muon_momentum: sched.momentum,
          ms_per_step: secondsPerStep * 1000,
          tokens_per_s: tokPerSec,
          flops_per_s: flopsPerStep / secondsPerStep,
          mfu: opts.peakFlops ? flopsPerStep / secondsPerStep / opts.peakFlops : undefined,
          eta_s: (totalSteps - done) * secondsPerStep,
          peak_rss_bytes: peakRssBytes(),
          tensors: tf.memory().numTensors,
          elapsed_s: (Date.now() - runStart) / 1000,
        };
        log(formatProgress(rec));
        if (lastSample !== null && evalNow) log(`sample: ${JSON.stringify(lastSample)}`);
        record({ ...rec, ...(evalNow && lastSample !== null ? { sample: lastSample } : {}) });
        windowMs = 0;
        windowSteps = 0;
      }
      if (done === stopAt || (config.save_every > 0 && done % config.save_every === 0)) {
        await saveCheckpoint(runDir, model.params, optim.stateTensors(), {
          format: META_FORMAT,
          step: done,
          total_steps: totalSteps,
          config,
          data_position: trainLoader.getPosition(),
          rng: { seed: config.seed, generator: 'splitmix32', derivation: 'seed, epoch, group' },
          optimizer: optim.counters(),
          metrics: { loss, val_bpb: valBpb, ms_per_step: trainMs / (done - startStep), peak_rss_bytes: peakRssBytes() },
          tokenizer_sha256: tokenizer.sha256 ?? null,
          saved_at: new Date().toISOString(),
        });
      }
    }
    const steps = stopAt - startStep;
    return {
      step: stopAt,
      totalSteps,
      loss,
      valBpb,
      msPerStep: trainMs / steps,
      tokensPerSecond: (tokensPerStep * steps) / (trainMs / 1000),
      sample: lastSample,
      peakRssBytes: peakRssBytes(),
    };
  } finally {
    optim.dispose();
    model.dispose();
  }
}
