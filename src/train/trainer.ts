import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSectionSchema, OptimSectionSchema, TrainConfig } from '../config/train-schema.js';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { Gpt } from '../model/gpt.js';
import { modelConfig } from '../model/config.js';
import { paramCount } from '../model/params.js';
import { checkpointSteps, loadCheckpoint, restoreVariables, saveCheckpoint, META_FORMAT } from './checkpoint.js';
import { flopsPerToken } from './flops.js';
import { accumulateGradients } from './gradients.js';
import type { Batch, LoaderPosition } from './loader.js';
import { ModelOptimizers } from './optim/optimizers.js';
import { pretrainingStage } from './pretraining.js';
import { refuseExistingRun, rewindRun, TRAIN_LOG } from './run-dir.js';
import { SIGNAL_EXIT_CODES, watchStopSignals, type StopSignals } from './stop-signals.js';
import { formatMetrics, formatProgress, type ProgressRecord } from './progress.js';
import { startGradientThreads, type GradientThreads } from './parallel/gradient-threads.js';
import { whileGradientThreadsIdle } from '../backend/wasm-matmul-pool.js';
import { resolveWorkerCount, type WorkerRequest } from './parallel/worker-count.js';
import { expectTensors } from './safetensors.js';
import type { TrainingStage } from './stage.js';
import type { TokenSource, TrainTokenizer } from './token-source.js';


/**
 * The config fields the shared loop reads. A base config (TrainConfig) is one; SFT resolves its own
 * config against the base checkpoint's into one. The whole object is saved in every meta file.
 */
export interface RunConfig {
  model: z.output<typeof ModelSectionSchema>;
  /** Compared on resume; `tokenizer_dir` tells the planner which tokenizer the weights read. */
  data: { tokenizer_dir: string };
  optim: z.output<typeof OptimSectionSchema>;
  eval: { every: number };
  log_every: number;
  save_every: number;
  seed: number;
}

/** What every stage's run needs besides its data (`base train` and `sft` both pass these through). */
export interface LoopOptions {
  tokenizer: TrainTokenizer;
  runDir: string;
  /** Total optimizer steps, replacing the stage's default (e.g. the token budget). */
  maxSteps?: number;
  /** Stop (with a checkpoint) once this many steps are done; the schedule still spans all steps. */
  stopAtStep?: number;
  resume: boolean;
  /** Peak FLOP/s of the device, for MFU; omitted when unknown. */
  peakFlops?: number;
  /** Threads computing each step's micro-batches (default 1: this thread only); see parallel/worker-count.ts. */
  workers?: WorkerRequest;
  /** The command that continues this run, printed when a signal stops it (default: `--resume`). */
  resumeCommand?: string;
  log?: (line: string) => void;
}

export interface StageRunOptions extends LoopOptions {
  config: RunConfig;
  stage: TrainingStage;
}

export interface TrainOptions extends LoopOptions {
  config: TrainConfig;
  data: { train: TokenSource; val: TokenSource };
}

export interface StageRunResult {
  step: number;
  totalSteps: number;
  loss: number;
  /** The last evaluation's metrics (empty if none ran in this invocation). */
  evals: Record<string, number | null>;
  /** Metrics before the first step, when the stage asks for them and the run starts fresh. */
  startEvals: Record<string, number | null> | null;
  msPerStep: number;
  tokensPerSecond: number;
  sample: string | null;
  peakRssBytes: number;
  /** Threads that computed gradients (not a resume section: any count gives the same bytes). */
  workers: number;
}

/** The run metrics every stage records in its manifest. */
export function runMetrics(result: StageRunResult): Record<string, number> {
  return {
    step: result.step,
    total_steps: result.totalSteps,
    loss: result.loss,
    ms_per_step: result.msPerStep,
    tokens_per_s: result.tokensPerSecond,
    peak_rss_bytes: result.peakRssBytes,
    workers: result.workers,
  };
}

export interface TrainResult extends StageRunResult {
  valBpb: number | null;
}

/** The config sections that must not change across a resume (they decide the numbers). */
function resumeSections(config: RunConfig): Record<string, unknown> {
  return { model: config.model, data: config.data, optim: config.optim, seed: config.seed };
}

/** Every key of `now` must serialise as in `saved`; `what` names the section in the error. */
function checkUnchanged(saved: Record<string, unknown>, now: Record<string, unknown>, what: string, source: string): void {
  for (const key of Object.keys(now)) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(now[key])) {
      throw new UserError(`${source}: ${what} \`${key}\` differs from the checkpoint's; resume with the same inputs and config`);
    }
  }
}

function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Base pretraining on token sources (`capplan base train`). */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { dims } = modelConfig(opts.config.model, opts.tokenizer.vocabSize);
  const stage = pretrainingStage(opts.config, opts.tokenizer, opts.data, dims);
  const result = await runStage({ ...opts, stage });
  return { ...result, valBpb: result.evals.val_bpb ?? null };
}

/** The optimisation loop every stage shares: accumulation, Muon + AdamW, evaluation, logging, checkpoints, resume. */
export async function runStage(opts: StageRunOptions): Promise<StageRunResult> {
  const { config, tokenizer, runDir, stage } = opts;
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const shape = modelConfig(config.model, tokenizer.vocabSize);
  const { dims, seqLen } = shape;
  const rowsPerMicro = config.optim.device_batch_size;
  const accumSteps = config.optim.total_batch_tokens / (rowsPerMicro * seqLen);
  if (!opts.resume) refuseExistingRun(runDir);
  const existing = checkpointSteps(runDir);
  if (opts.resume && existing.length === 0) throw new UserError(`--resume: ${runDir} holds no checkpoint (meta_<step>.json)`);

  const backend = tf.getBackend();
  const workers = resolveWorkerCount(opts.workers ?? 1, backend, accumSteps);
  const model = new Gpt(shape, config.seed);
  const optim = new ModelOptimizers(model, config.optim);
  let threads: GradientThreads | null = null;
  let stopSignals: StopSignals | null = null;
  try {
    let startStep = 0;
    let position: LoaderPosition | undefined;
    let totalSteps = opts.maxSteps ?? stage.defaultSteps;
    if (opts.resume) {
      const step = existing.at(-1)!;
      const metaPath = join(runDir, `meta_${step}.json`);
      const ckpt = loadCheckpoint(runDir, step, model.params, optim.stateTensors());
      checkUnchanged(resumeSections(ckpt.meta.config as RunConfig), resumeSections(config), 'config field', metaPath);
      checkUnchanged(ckpt.meta.lineage ?? {}, stage.lineage ?? {}, 'input', metaPath);
      if ((ckpt.meta.tokenizer_sha256 ?? null) !== (tokenizer.sha256 ?? null)) {
        throw new UserError(`${metaPath}: the checkpoint was trained with another tokenizer (sha256 differs)`);
      }
      restoreVariables(model.params, ckpt.model);
      restoreVariables(optim.stateTensors(), ckpt.optimizer);
      optim.restoreCounters(ckpt.meta.optimizer);
      startStep = step;
      position = ckpt.meta.data_position;
      if (opts.maxSteps === undefined) totalSteps = ckpt.meta.total_steps;
      rewindRun(runDir, step);
      log(`resumed from ${metaPath} at step ${step}`);
    } else if (stage.initialWeights) {
      const { tensors, source } = stage.initialWeights;
      expectTensors(tensors, new Map([...model.params].map(([name, v]) => [name, v.shape])), source);
      restoreVariables(model.params, tensors);
    }
    const stopAt = Math.min(opts.stopAtStep ?? totalSteps, totalSteps);
    if (startStep >= stopAt) {
      throw new UserError(`--resume: the run in ${runDir} is already at step ${startStep} of ${totalSteps}; raise --max-steps to train further`);
    }
    threads = await startGradientThreads(backend, model, workers);
    const trainLoader = stage.openTrain(position);
    const tokensPerStep = config.optim.total_batch_tokens;
    const flopsPerStep = flopsPerToken(dims, seqLen) * tokensPerStep;
    log(
      `${stage.name}: depth ${dims.depth}, d_model ${dims.dModel}, ${dims.nHead} heads, vocab ${dims.vocabSize}, ` +
        `${paramCount(dims).toLocaleString('en-US')} params; ${totalSteps} steps × ${tokensPerStep} tokens ` +
        `(${accumSteps} micro-batches of ${rowsPerMicro}×${seqLen}); backend ${backend}, ` +
        `${workers} gradient thread${workers === 1 ? '' : 's'}; run dir ${runDir}`,
    );
    mkdirSync(runDir, { recursive: true });
    const logPath = join(runDir, TRAIN_LOG);
    const record = (r: Record<string, unknown>) => appendFileSync(logPath, JSON.stringify(r) + '\n');

    stopSignals = watchStopSignals();
    let startEvals: Record<string, number | null> | null = null;
    if (stage.evaluateAtStart && startStep === 0) {
      startEvals = await stage.evaluate(model, threads?.pool);
      log(`before training: ${formatMetrics(startEvals).join(' | ')}`);
      record({ step: 0, total_steps: totalSteps, ...startEvals });
    }
    let loss = Number.NaN;
    let evals: Record<string, number | null> = {};
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
      const { loss: stepLoss, grads } = await accumulateGradients(model, batches, threads?.pool);
      const sched = whileGradientThreadsIdle(() => optim.step(grads, step, totalSteps));
      tf.dispose([...grads.values()]);
      loss = stepLoss;
      const ms = performance.now() - t0;
      trainMs += ms;
      windowMs += ms;
      windowSteps += 1;
      const done = step + 1;
      if (!Number.isFinite(loss)) throw new UserError(`training diverged at step ${done}: loss is ${loss}; lower the learning rates`);

      // Signal handlers run on the event loop, which a step on a synchronous backend never reaches.
      await new Promise((resolve) => setImmediate(resolve));
      // A signal stops the run after this step, like --stop-at would (the last step just finishes it).
      const interrupted = done < stopAt ? stopSignals.received : null;
      const stopping = done === stopAt || interrupted !== null;
      const isLast = done === totalSteps;
      const evalNow = isLast || (config.eval.every > 0 && done % config.eval.every === 0);
      if (evalNow) {
        evals = await stage.evaluate(model, threads?.pool);
        lastSample = await stage.sample(model);
      }
      if (evalNow || stopping || done % config.log_every === 0) {
        const secondsPerStep = windowMs / 1000 / windowSteps;
        const tokPerSec = tokensPerStep / secondsPerStep;
        const rec: ProgressRecord = {
          step: done,
          total_steps: totalSteps,
          loss,
          val: evalNow ? evals : undefined,
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
        const { val, ...fields } = rec;
        record({ ...fields, ...val, ...(evalNow && lastSample !== null ? { sample: lastSample } : {}) });
        windowMs = 0;
        windowSteps = 0;
      }
      if (stopping || (config.save_every > 0 && done % config.save_every === 0)) {
        await saveCheckpoint(runDir, model.params, optim.stateTensors(), {
          format: META_FORMAT,
          step: done,
          total_steps: totalSteps,
          config,
          data_position: trainLoader.getPosition(),
          rng: { seed: config.seed, generator: 'splitmix32', derivation: 'seed, epoch, group' },
          optimizer: optim.counters(),
          metrics: { loss, ...evals, ms_per_step: trainMs / (done - startStep), peak_rss_bytes: peakRssBytes(), workers },
          tokenizer_sha256: tokenizer.sha256 ?? null,
          ...(stage.lineage ? { lineage: stage.lineage } : {}),
          saved_at: new Date().toISOString(),
        }, stage.checkpointKind);
      }
      if (interrupted !== null) {
        throw new UserError(
          `interrupted by ${interrupted} after step ${done} of ${totalSteps}; checkpoint saved in ${runDir}; continue with: ${opts.resumeCommand ?? '--resume'}`,
          SIGNAL_EXIT_CODES[interrupted],
        );
      }
    }
    const steps = stopAt - startStep;
    return {
      step: stopAt,
      totalSteps,
      loss,
      evals,
      startEvals,
      msPerStep: trainMs / steps,
      tokensPerSecond: (tokensPerStep * steps) / (trainMs / 1000),
      sample: lastSample,
      peakRssBytes: peakRssBytes(),
      workers,
    };
  } finally {
    stopSignals?.dispose();
    await threads?.close();
    optim.dispose();
    model.dispose();
  }
}
