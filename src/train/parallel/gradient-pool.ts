import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../errors.js';
import type { Gpt } from '../../model/gpt.js';
import type { GradientHelpers, RemoteMicroGradients } from '../gradients.js';
import type { Batch } from '../loader.js';
import type { StepRequest, WorkerReply, WorkerSetup } from './protocol.js';

export interface GradientPoolOptions {
  backend: WorkerSetup['backend'];
  /** The model the workers replicate: its config, and its parameters' names and shapes. */
  model: Gpt;
  /** Threads computing gradients, the calling thread included (≥ 2: it starts threads − 1 workers). */
  threads: number;
  /** The worker's compiled script; defaults to gradient-worker.js next to this module (dist/). */
  workerScript?: URL;
}

interface Pending {
  resolve(result: RemoteMicroGradients): void;
  reject(err: Error): void;
}

/** One worker thread and the micro-batch results it still owes, first owed first (it answers in order). */
class GradientWorker {
  readonly ready: Promise<void>;
  numTensors = 0;
  failure: Error | null = null;
  private readonly pending: Pending[] = [];
  private readyWaiter: { resolve(): void; reject(err: Error): void } | null = null;
  private closing = false;

  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    this.ready = new Promise((resolve, reject) => (this.readyWaiter = { resolve, reject }));
    worker.on('message', (reply: WorkerReply) => this.receive(reply));
    worker.on('error', (err) => this.fail(err.message));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(`exited with code ${code}`);
    });
  }

  private receive(reply: WorkerReply): void {
    if (reply.kind === 'error') return this.fail(reply.message);
    this.numTensors = reply.numTensors;
    if (reply.kind === 'ready') {
      this.readyWaiter?.resolve();
      this.readyWaiter = null;
    } else {
      this.pending.shift()?.resolve({ loss: reply.loss, grads: reply.grads });
    }
  }

  /** A worker error fails everything it owes, as one line naming the worker. */
  private fail(message: string): void {
    this.failure ??= new UserError(`gradient worker ${this.index}: ${message.split('\n')[0]}`);
    this.readyWaiter?.reject(this.failure);
    this.readyWaiter = null;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  /** The next micro-batch result this worker owes. */
  expect(): Promise<RemoteMicroGradients> {
    if (this.failure) return Promise.reject(this.failure);
    const promise = new Promise<RemoteMicroGradients>((resolve, reject) => this.pending.push({ resolve, reject }));
    // A failure may arrive while the caller still awaits an earlier micro-batch; it sees it when it gets here.
    promise.catch(() => undefined);
    return promise;
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/**
 * Data parallelism for the CPU backends (wasm runs one thread under Node): worker threads with replicas
 * of the model compute some micro-batches of each step while the calling thread computes the rest.
 * Micro-batch i goes to thread i mod `threads` (0 = the caller), so the caller can add each result into
 * the running sums in the original order as soon as it is its turn, holding few results at a time.
 */
export class GradientPool implements GradientHelpers {
  private constructor(
    private readonly workers: GradientWorker[],
    private readonly weights: Float32Array[],
  ) {}

  /** Starts the workers and waits until each has built its replica; call close() when done (in a finally). */
  static async start(opts: GradientPoolOptions): Promise<GradientPool> {
    const script = opts.workerScript ?? new URL('./gradient-worker.js', import.meta.url);
    const shared = [...opts.model.params].map(([name, v]) => ({ name, shape: [...v.shape], buffer: new SharedArrayBuffer(v.size * 4) }));
    const setup: WorkerSetup = { backend: opts.backend, model: opts.model.config, weights: shared };
    const workers: GradientWorker[] = [];
    for (let i = 1; i < opts.threads; i++) {
      // A worker's console output repeats the main thread's (tfjs notices for the same backend): dropped.
      // Its failures arrive as messages or 'error' events instead.
      const worker = new Worker(script, { workerData: setup, stderr: true, stdout: true });
      worker.stdout.resume();
      worker.stderr.resume();
      workers.push(new GradientWorker(worker, i));
    }
    const pool = new GradientPool(workers, shared.map((s) => new Float32Array(s.buffer)));
    try {
      await Promise.all(workers.map((w) => w.ready));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Threads computing gradients, the caller included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Live tensors in each worker after its last reply (flat from step to step). */
  workerTensors(): number[] {
    return this.workers.map((w) => w.numTensors);
  }

  /**
   * Writes the current weights to the shared buffers and starts every worker on its micro-batches. Each
   * step's results must all be awaited before the next dispatch; after a failed step, close the pool.
   */
  dispatch(params: ReadonlyMap<string, tf.Variable>, batches: readonly Batch[]): Array<Promise<RemoteMicroGradients> | null> {
    return this.start(params, batches, false);
  }

  /** dispatch() for batches whose mean loss alone is wanted (an evaluation): the same split, no gradients. */
  dispatchLosses(params: ReadonlyMap<string, tf.Variable>, batches: readonly Batch[]): Array<Promise<number> | null> {
    return this.start(params, batches, true).map((p) => {
      if (p === null) return null;
      const loss = p.then((r) => r.loss);
      // As in expect(): a failure the caller has not reached yet is seen when it gets there.
      loss.catch(() => undefined);
      return loss;
    });
  }

  private start(params: ReadonlyMap<string, tf.Variable>, batches: readonly Batch[], lossOnly: boolean): Array<Promise<RemoteMicroGradients> | null> {
    [...params.values()].forEach((v, i) => this.weights[i]!.set(v.dataSync() as Float32Array));
    const share = (t: number) => batches.filter((_, i) => i % this.threads === t);
    this.workers.forEach((w, k) => {
      const request: StepRequest = { batches: share(k + 1), lossOnly };
      if (request.batches.length > 0 && !w.failure) w.worker.postMessage(request);
    });
    return batches.map((_, i) => (i % this.threads === 0 ? null : this.workers[(i % this.threads) - 1]!.expect()));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
