import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { activeCapabilities, capTensorBytes, deviceErrorCount } from '../backend/capabilities.js';
import { initBackend, type BackendInfo, type BackendName } from '../backend/select.js';
import { whileGradientThreadsIdle } from '../backend/wasm-matmul-pool.js';
import { OptimSectionSchema } from '../config/train-schema.js';
import { UserError } from '../errors.js';
import { modelConfig, type ModelConfig } from '../model/config.js';
import { paramCount } from '../model/params.js';
import { Gpt } from '../model/gpt.js';
import { flopsPerToken } from './flops.js';
import { accumulateGradients } from './gradients.js';
import type { Batch } from './loader.js';
import { checkDeviceBatch, chooseDeviceBatch } from './device-fit.js';
import { ModelOptimizers } from './optim/optimizers.js';
import { startGradientThreads, type GradientThreads } from './parallel/gradient-threads.js';
import { resolveWorkerCount, type WorkerRequest } from './parallel/worker-count.js';
import { Prng } from '../util/prng.js';

export interface TrainBenchOptions {
  backend: BackendName;
  depth: number;
  vocab: number;
  seq: number;
  batch: number;
  /** Rows per micro-batch, a divisor of `batch`; 'auto' (the default): the most that fit the device. */
  deviceBatch?: number | 'auto';
  /** Threads computing the micro-batches (default 1); see parallel/worker-count.ts. */
  workers?: WorkerRequest;
  /** Timed optimizer steps. */
  steps: number;
  /** Untimed steps first: kernel compilation, shader caches, wasm heap growth. */
  warmup: number;
  /** Memory the shape may use; defaults to the device's memory. */
  memoryLimitBytes?: number;
  /** Lowers the device's largest tensor to this many bytes, to see what a smaller GPU would do. */
  maxTensorBytes?: number;
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
  /** Rows per micro-batch, and the device's largest tensor and memory that decided it (null: no limit / unknown). */
  device_batch: number;
  max_tensor_bytes: number | null;
  device_memory_bytes: number | null;
  /** Loss of the first and the last step: a run that trains lowers it. */
  loss: { first: number; last: number };
  /** Errors the device reported during the run (WebGPU validation or out-of-memory): anything but 0 is a bug. */
  device_errors: number;
}

/** The benchmarked model (the rotary base does not change a step's cost: the default). */
function benchModelConfig(opts: TrainBenchOptions): ModelConfig {
  return modelConfig({ depth: opts.depth, seq_len: opts.seq }, opts.vocab);
}

/**
 * Rows per micro-batch on the active device: `opts.deviceBatch`, checked, or the most that fit ('auto').
 * Refuses a shape that does not fit, before anything is allocated, naming the estimate and the limit.
 */
export function benchDeviceBatch(opts: TrainBenchOptions): number {
  const { dims } = benchModelConfig(opts);
  const caps = activeCapabilities();
  const memory = opts.memoryLimitBytes !== undefined ? { bytes: opts.memoryLimitBytes, origin: '--max-memory' } : caps.memory && { bytes: caps.memory.bytes, origin: caps.memory.source };
  const source = `bench train: depth ${opts.depth}, vocab ${dims.vocabSize}, seq ${opts.seq}`;
  const request = opts.deviceBatch ?? 'auto';
  if (request === 'auto') return chooseDeviceBatch(source, dims, opts.seq, opts.batch, caps, memory).rows;
  checkDeviceBatch(source, dims, opts.seq, request, caps, memory);
  return request;
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
 * the updated weights so asynchronous backends (webgpu) are measured to completion. `maxTensorBytes` lowers
 * the device's largest tensor for this run only.
 */
export async function benchTrain(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  if (typeof opts.deviceBatch === 'number' && opts.batch % opts.deviceBatch !== 0) {
    throw new UserError(`bench train: --device-batch ${opts.deviceBatch} must divide --batch ${opts.batch}`);
  }
  const info = await initBackend(opts.backend);
  capTensorBytes(opts.maxTensorBytes ?? null);
  try {
    return await timeSteps(opts, info);
  } finally {
    capTensorBytes(null);
  }
}

async function timeSteps(opts: TrainBenchOptions, info: BackendInfo): Promise<TrainBenchResult> {
  const deviceBatch = benchDeviceBatch(opts);
  const microBatches = opts.batch / deviceBatch;
  const workers = resolveWorkerCount(opts.workers ?? 1, info.name, microBatches);
  const model = new Gpt(benchModelConfig(opts), 1);
  const dims = model.dims;
  const optimCfg = OptimSectionSchema.parse({ device_batch_size: deviceBatch, total_batch_tokens: opts.batch * opts.seq });
  const optim = new ModelOptimizers(model, optimCfg);
  const batches = syntheticBatches(opts.vocab, microBatches, deviceBatch, opts.seq);
  const lastParam = [...model.params.values()].at(-1)!;
  const totalSteps = opts.warmup + opts.steps;
  let gradMs = 0;
  let optimMs = 0;
  const losses: number[] = [];
  const errorsBefore = deviceErrorCount();
  let tensorsBefore = 0;
  let workerTensorsBefore: number[] = [];
  let threads: GradientThreads | null = null;
  try {
    // As the trainer does: matMul threads for the optimizer step only, while the gradient threads sleep.
    threads = await startGradientThreads(info.name, model, workers);
    const pool = threads?.pool;
    for (let step = 0; step < totalSteps; step++) {
      if (step === opts.warmup) {
        tensorsBefore = tf.memory().numTensors;
        workerTensorsBefore = pool?.workerTensors() ?? [];
      }
      const t0 = performance.now();
      const { loss, grads } = await accumulateGradients(model, batches, pool);
      losses.push(loss);
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
      device_batch: deviceBatch,
      max_tensor_bytes: activeCapabilities().maxTensorBytes,
      device_memory_bytes: opts.memoryLimitBytes ?? activeCapabilities().memory?.bytes ?? null,
      loss: { first: losses[0]!, last: losses.at(-1)! },
      device_errors: deviceErrorCount() - errorsBefore,
    };
  } finally {
    await threads?.close();
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
