import type { ModelConfig } from '../../model/config.js';
import type { Batch } from '../loader.js';
import type { ParallelBackend } from './worker-count.js';

/** What a gradient worker is started with (its workerData). */
export interface WorkerSetup {
  /** The tfjs backend of the main thread. */
  backend: ParallelBackend;
  /** The main thread's model, which the worker replicates. */
  model: ModelConfig;
  /**
   * The current weights, one float32 buffer per parameter in `model.params` order, shared with the main
   * thread: it writes them before each step's dispatch and not again until every result of that step is in.
   */
  weights: { name: string; shape: number[]; buffer: SharedArrayBuffer }[];
}

/** Main → worker: compute these micro-batches, in order, on the weights now in the shared buffers. */
export interface StepRequest {
  batches: Batch[];
  /** Only each batch's mean loss (an evaluation): the replies carry no gradients. */
  lossOnly?: boolean;
}

/** Worker → main. */
export type WorkerReply =
  | { kind: 'ready'; numTensors: number }
  /** One micro-batch's result (float32 loss as a number, gradients in parameter order, none for a lossOnly request); tensors live in the worker afterwards. */
  | { kind: 'micro'; loss: number; grads: Float32Array[]; numTensors: number }
  | { kind: 'error'; message: string };
