import { totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../backend/select.js';
import { shareCoresWithGradientThreads, whileGradientThreadsIdle } from '../backend/wasm-matmul-pool.js';
import { OptimSectionSchema } from '../config/train-schema.js';
import { UserError } from '../errors.js';
import { modelDims, paramCount } from '../model/dims.js';
import { Gpt } from '../model/gpt.js';
import { flopsPerToken } from './flops.js';
import { accumulateGradients } from './gradients.js';
import type { Batch } from './loader.js';
import { describeEstimate, estimateTrainingMemory } from './memory.js';
import { ModelOptimizers } from './optim/optimizers.js';
import { GradientPool } from './parallel/gradient-pool.js';
import { isParallelBackend, resolveWorkerCount, type WorkerRequest } from './parallel/worker-count.js';
import { Prng } from '../util/prng.js';

export interface TrainBenchOptions {
  backend: BackendName;
  depth: number;
  vocab: number;
  seq: number;
  batch: number;
  /** Rows per micro-batch (a divisor of `batch`; default `batch`: one micro-batch per step). */
  deviceBatch?: number;
  /** Threads computing the micro-batches (default 1); see parallel/worker-count.ts. */
  workers?: WorkerRequest;
  /** Timed optimizer steps. */
  steps: number;
  /** Untimed steps first: kernel compilation, shader caches, wasm heap growth. */
  warmup: number;
  /** Memory the shape may use; defaults to the machine's total memory. */
  memoryLimitBytes?: number;
}

export interface TrainBenchResult {
  backend: string;
  adapter: string | null;
  depth: number;
  params: number;
  tokens_per_step: number;
  ms_per_step: number;
  tokens_per_s: number;
  gflops: number;
  peak_rss_mb: number;
  /** Mean split of a timed step: forward + backward, and the optimizer update. */
  split_ms: { gradients: number; optimizer: number };
  steps: number;
  micro_batches: number;
  /** Threads that computed gradients, this one included. */
  workers: number;
  /** Live tensors (here and in every worker thread) did not grow over the timed steps. */
  tensors_flat: boolean;
  /** Live tensors of each worker thread after the last step. */
  worker_tensors: number[];
}

/**
 * Refuses a shape whose estimated training memory exceeds the limit, before allocating anything, with the
 * estimate broken down so the user sees which dial to turn.
 */
export function checkBenchMemory(opts: TrainBenchOptions): void {
  const dims = modelDims(opts.depth, opts.vocab);
  const estimate = estimateTrainingMemory(dims, opts.seq, opts.batch);
  const limit = opts.memoryLimitBytes ?? totalmem();
  if (estimate.total > limit) {
    const limitGib = (limit / 1024 ** 3).toFixed(1);
    throw new UserError(
      `bench train: depth ${opts.depth}, vocab ${dims.vocabSize}, seq ${opts.seq}, batch ${opts.batch} needs about ` +
        `${describeEstimate(estimate)}, more than the ${limitGib} GiB available; lower --batch, --seq or --depth`,
    );
  }
}

/** Fixed pseudo-random micro-batches: the speed of a step does not depend on which tokens it sees. */
function syntheticBatches(vocab: number, count: number, rows: number, seqLen: number): Batch[] {
  const rng = new Prng(1);
  const draw = () => Int32Array.from({ length: rows * seqLen }, () => rng.int(vocab));
  return Array.from({ length: count }, () => ({ inputs: draw(), targets: draw(), rows, seqLen }));
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Times full optimizer steps of the trainer's own path: accumulateGradients (forward + backward, loss read
 * back) then ModelOptimizers.step (Muon on the block matrices, AdamW on embedding and lm_head), waiting for
 * the updated weights so asynchronous backends (webgpu) are measured to completion.
 */
export async function benchTrain(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  const deviceBatch = opts.deviceBatch ?? opts.batch;
  if (opts.batch % deviceBatch !== 0) {
    throw new UserError(`bench train: --device-batch ${deviceBatch} must divide --batch ${opts.batch}`);
  }
  const microBatches = opts.batch / deviceBatch;
  checkBenchMemory({ ...opts, batch: deviceBatch });
  const info = await initBackend(opts.backend);
  const workers = resolveWorkerCount(opts.workers ?? 1, info.name, microBatches);
  const dims = modelDims(opts.depth, opts.vocab);
  const model = new Gpt({ dims, seqLen: opts.seq, seed: 1 });
  const optimCfg = OptimSectionSchema.parse({ device_batch_size: deviceBatch, total_batch_tokens: opts.batch * opts.seq });
  const optim = new ModelOptimizers(model.params, optimCfg, dims.dModel);
  const batches = syntheticBatches(opts.vocab, microBatches, deviceBatch, opts.seq);
  const lastParam = [...model.params.values()].at(-1)!;
  const totalSteps = opts.warmup + opts.steps;
  let gradMs = 0;
  let optimMs = 0;
  let tensorsBefore = 0;
  let workerTensorsBefore: number[] = [];
  let pool: GradientPool | null = null;
  let releaseCores: (() => Promise<void>) | null = null;
  try {
    if (workers > 1 && isParallelBackend(info.name)) {
      // As the trainer does: matMul threads for the optimizer step only, while the gradient threads sleep.
      if (info.name === 'wasm') releaseCores = await shareCoresWithGradientThreads(workers);
      pool = await GradientPool.start({ backend: info.name, dims, seqLen: opts.seq, params: model.params, threads: workers });
    }
    for (let step = 0; step < totalSteps; step++) {
      if (step === opts.warmup) {
        tensorsBefore = tf.memory().numTensors;
        workerTensorsBefore = pool?.workerTensors() ?? [];
      }
      const t0 = performance.now();
      const { grads } = await accumulateGradients(model, batches, pool ?? undefined);
      const t1 = performance.now();
      whileGradientThreadsIdle(() => optim.step(grads, step, totalSteps));
      tf.dispose([...grads.values()]);
      await lastParam.data();
      const t2 = performance.now();
      if (step >= opts.warmup) {
        gradMs += t1 - t0;
        optimMs += t2 - t1;
      }
    }
    const workerTensors = pool?.workerTensors() ?? [];
    const tensorsFlat = tf.memory().numTensors === tensorsBefore && workerTensors.every((n, i) => n === workerTensorsBefore[i]);
    const msPerStep = (gradMs + optimMs) / opts.steps;
    const tokensPerStep = opts.batch * opts.seq;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    return {
      backend: info.name,
      adapter: info.adapter,
      depth: opts.depth,
      params: paramCount(dims),
      tokens_per_step: tokensPerStep,
      ms_per_step: round1(msPerStep),
      tokens_per_s: round1((tokensPerStep / msPerStep) * 1000),
      gflops: Math.round(((flopsPerToken(dims, opts.seq) * tokensPerStep) / msPerStep / 1e6) * 100) / 100,
      peak_rss_mb: peakRssMb(),
      split_ms: { gradients: round1(gradMs / opts.steps), optimizer: round1(optimMs / opts.steps) },
      steps: opts.steps,
      micro_batches: microBatches,
      workers,
      tensors_flat: tensorsFlat,
      worker_tensors: workerTensors,
    };
  } finally {
    await pool?.close();
    await releaseCores?.();
    optim.dispose();
    model.dispose();
  }
}

export function formatTrainBench(r: TrainBenchResult): string {
  const adapter = r.adapter ? ` (${r.adapter})` : '';
  return (
    `bench train: ${r.backend}${adapter}, depth ${r.depth}, ${r.params.toLocaleString('en-US')} params, ` +
    `${r.tokens_per_step} tokens/step: ${r.ms_per_step} ms/step (gradients ${r.split_ms.gradients}, ` +
    `optimizer ${r.split_ms.optimizer}), ${r.tokens_per_s} tokens/s, ${r.gflops} GFLOP/s, peak RSS ${r.peak_rss_mb} MiB`
  );
}
