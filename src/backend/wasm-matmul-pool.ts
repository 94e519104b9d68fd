import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname } from 'node:path';
import { isMainThread, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { hostCapabilities, type DeviceCapabilities } from './capabilities.js';
import { CHUNK_FIELDS, CONTROL, MAX_CHUNKS, matMulWorkerMain, type MatMulWorkerData } from './wasm-matmul-worker.js';

/**
 * Extra threads for the wasm backend's large matMuls. tfjs-backend-wasm runs one thread under Node (its
 * threaded build needs Emscripten pthreads, which tfjs disables there and which deadlocked when forced: see
 * bench/NOTES.md). Instead, each pool thread is a worker_threads Worker with its own single-threaded wasm
 * backend. A job is a list of chunks (independent 2-D products whose operands the main thread has staged in
 * a SharedArrayBuffer); the main thread and the pool threads claim chunks from a shared counter until none
 * is left, so a pool thread that the OS has not scheduled simply gets no chunk and the main thread never
 * waits for it to start (on a loaded machine a static split made every product wait for the slowest thread).
 *
 * Never hangs: a pool thread whose chunk throws, or that does not finish a claimed chunk within
 * JOB_TIMEOUT_MS, has the job's pool chunks recomputed by the main thread, and the pool is switched off for
 * the rest of the process (with one line on stderr).
 */

/** Generous: a chunk is at most tens of ms of work, even on a loaded machine. */
const JOB_TIMEOUT_MS = 120_000;
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Threads the wasm backend uses. In a worker thread (the trainer's gradient workers, src/train/parallel/,
 * already run one model replica per core) always 1. On the main thread CAPPLAN_WASM_THREADS when set; else
 * the cores Node reports (at most 8) if they are idle enough at start-up (1-minute load average below
 * cores − 0.5), and 1 otherwise: pool threads only pay off on free cores (on this 2-core machine at load
 * 5–10 a d4 step was slower with them: bench/NOTES.md). Results are the same either way.
 */
export function wasmThreadsWanted(
  env: NodeJS.ProcessEnv = process.env,
  machine = { cores: os.availableParallelism(), load1: os.loadavg()[0]!, mainThread: isMainThread },
): number {
  if (!machine.mainThread) return 1;
  const raw = env.CAPPLAN_WASM_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`CAPPLAN_WASM_THREADS must be a positive integer, got '${raw}'`);
    return n;
  }
  return machine.load1 > machine.cores - 0.5 ? 1 : Math.min(machine.cores, 8);
}

/** One chunk of a job: where its operands and result are in the data buffer, its result shape, entries. */
export interface ChunkLayout {
  aOff: number;
  bOff: number;
  outOff: number;
  rows: number;
  cols: number;
  entries: number;
}

/** A started pool thread. */
interface PoolThread {
  worker: Worker;
  port: MessagePort;
  alive: boolean;
}

async function startThread(control: SharedArrayBuffer): Promise<PoolThread> {
  const require = createRequire(import.meta.url);
  const tfjsWasm = require.resolve('@tensorflow/tfjs-backend-wasm');
  const channel = new MessageChannel();
  const workerData: MatMulWorkerData = {
    control,
    port: channel.port2,
    // The core the wasm backend itself registers with (its peer dependency), not @tensorflow/tfjs's bundle.
    tfjsCore: createRequire(tfjsWasm).resolve('@tensorflow/tfjs-core'),
    tfjsWasm,
    wasmDir: `${dirname(tfjsWasm)}/`,
    layout: { control: CONTROL, chunkFields: CHUNK_FIELDS },
  };
  const worker = new Worker(`(${matMulWorkerMain.toString()})(require)`, { eval: true, workerData, transferList: [channel.port2] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('matMul worker did not start')), STARTUP_TIMEOUT_MS);
    worker.once('message', (message) => {
      clearTimeout(timer);
      if (message === 'ready') resolve();
      else reject(new Error(`matMul worker: ${String(message)}`));
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const thread: PoolThread = { worker, port: channel.port1, alive: true };
  worker.once('exit', () => (thread.alive = false));
  // Pool threads sleep in Atomics.wait between jobs; they must not keep the process alive.
  worker.unref();
  channel.port1.unref();
  return thread;
}

/** The pool: its threads, the control block they share and the data buffer of the current job. */
export class MatMulPool {
  private data: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private posted = 0;
  private chunksByPool = 0;

  private constructor(
    private readonly threads: PoolThread[],
    private readonly control: Int32Array,
  ) {}

  static async start(workers: number): Promise<MatMulPool> {
    const control = new SharedArrayBuffer((CONTROL.table + MAX_CHUNKS * CHUNK_FIELDS) * 4);
    const threads = await Promise.all(Array.from({ length: workers }, () => startThread(control)));
    return new MatMulPool(threads, new Int32Array(control));
  }

  get size(): number {
    return this.threads.length;
  }

  get alive(): boolean {
    return this.threads.every((t) => t.alive);
  }

  /** Chunks computed by pool threads so far (to check that work was shared). */
  get chunksComputedByPool(): number {
    return this.chunksByPool;
  }

  /** The data buffer with room for `floats` floats; a new one is announced to the threads when it grows. */
  buffer(floats: number): Float32Array {
    if (this.data.length < floats) {
      // Room to spare, so the next slightly larger job does not need yet another buffer.
      const sab = new SharedArrayBuffer(Math.ceil(floats * 1.25) * 4);
      for (const t of this.threads) t.port.postMessage(sab);
      this.data = new Float32Array(sab);
      Atomics.add(this.control, CONTROL.generation, 1);
    }
    return this.data.subarray(0, floats) as Float32Array;
  }

  /** Publishes a job whose operands are in buffer(); the caller then claims chunks with claim(). */
  post(k: number, aStep: number, bStep: number, chunks: readonly ChunkLayout[]): void {
    const c = this.control;
    if (chunks.length > MAX_CHUNKS) throw new Error(`matMul pool: ${chunks.length} chunks > ${MAX_CHUNKS}`);
    Atomics.store(c, CONTROL.k, k);
    Atomics.store(c, CONTROL.aStep, aStep);
    Atomics.store(c, CONTROL.bStep, bStep);
    chunks.forEach((ch, i) => {
      const base = CONTROL.table + i * CHUNK_FIELDS;
      [ch.aOff, ch.bOff, ch.outOff, ch.rows, ch.cols, ch.entries].forEach((v, f) => Atomics.store(c, base + f, v));
    });
    Atomics.store(c, CONTROL.finished, 0);
    Atomics.store(c, CONTROL.failed, 0);
    Atomics.store(c, CONTROL.claim, chunks.length << 16);
    this.posted += 1;
    Atomics.store(c, CONTROL.posted, this.posted);
    Atomics.notify(c, CONTROL.posted);
  }

  /**
   * Claims the next chunk of the current job for the calling (main) thread; null when all are claimed.
   * With `mainClaims` off (tests), the main thread leaves every chunk to the pool threads.
   */
  claim(): number | null {
    if (!mainClaims) return null;
    for (;;) {
      const claim = Atomics.load(this.control, CONTROL.claim);
      const [count, next] = [claim >>> 16, claim & 0xffff];
      if (next >= count) return null;
      if (Atomics.compareExchange(this.control, CONTROL.claim, claim, claim + 1) === claim) return next;
    }
  }

  /**
   * Waits until the pool threads have finished the `count` chunks they claimed; false when one of them
   * failed or the wait timed out (their results are then not valid).
   */
  finish(count: number): boolean {
    this.chunksByPool += count;
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.control, CONTROL.finished);
      if (done >= count) return Atomics.load(this.control, CONTROL.failed) === 0;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.control, CONTROL.finished, done, left);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.threads) t.port.close();
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

let pool: MatMulPool | null = null;
let mainClaims = true;

/** For tests: whether the main thread computes chunks too (default) or only the pool threads do. */
export function setMainThreadClaims(on: boolean): void {
  mainClaims = on;
}

export function mainThreadClaims(): boolean {
  return mainClaims;
}

/** Starts a pool of `threads − 1` workers (none for 1); returns how many threads the wasm backend now has. */
export async function startMatMulPool(threads: number): Promise<number> {
  if ((pool?.size ?? 0) + 1 === threads) return threads;
  await stopMatMulPool();
  if (threads <= 1) return 1;
  try {
    pool = await MatMulPool.start(threads - 1);
  } catch (err) {
    process.stderr.write(`capplan: wasm threads unavailable, running single-threaded (${(err as Error).message})\n`);
  }
  return (pool?.size ?? 0) + 1;
}

export async function stopMatMulPool(): Promise<void> {
  const old = pool;
  pool = null;
  await old?.stop();
}

/**
 * Sharing the cores with gradient threads (src/train/parallel/): they fill every core while they compute a
 * step's gradients, then sleep while this thread runs the optimizer step alone. During a run with
 * `threads` gradient threads the pool therefore has threads − 1 workers, but products use it only inside
 * whileGradientThreadsIdle — the trainer wraps the optimizer step in it. Returns the function that ends
 * the arrangement and restores the pool size from before.
 */
export async function shareCoresWithGradientThreads(threads: number): Promise<() => Promise<void>> {
  const before = (pool?.size ?? 0) + 1;
  await startMatMulPool(threads);
  gradientThreadsSharing = true;
  Object.assign(idlePhase, { calls: 0, pooledMs: Number.NaN, singleMs: Number.NaN });
  return async () => {
    gradientThreadsSharing = false;
    await startMatMulPool(before);
  };
}

let gradientThreadsSharing = false;
let gradientThreadsIdle = false;

/**
 * Whether the idle phase uses the pool is decided by timing it: the other cores may be busy with other
 * processes, and then the pool only adds staging copies and waits (measured at load 6–7 on 2 cores: the d4
 * optimizer step 1.3 s alone, 1.7–1.9 s with the pool). After one untimed warm-up call, one call runs with
 * the pool and one without; then every call takes the faster on average (a moving average of each), and
 * every PROBE_EVERY-th call tries the other, so a change of load is noticed. Values are the same either way.
 */
const idlePhase = { calls: 0, pooledMs: Number.NaN, singleMs: Number.NaN };
const PROBE_EVERY = 16;

function idlePhaseUsesPool(call: number): boolean {
  if (call === 0 || Number.isNaN(idlePhase.pooledMs)) return true;
  if (Number.isNaN(idlePhase.singleMs)) return false;
  const pooledFaster = idlePhase.pooledMs <= idlePhase.singleMs;
  return call % PROBE_EVERY === 0 ? !pooledFaster : pooledFaster;
}

/** Runs `phase` (synchronous), with the pool when timing says it pays even while cores are shared. */
export function whileGradientThreadsIdle<T>(phase: () => T): T {
  if (!gradientThreadsSharing || gradientThreadsIdle || pool === null) return phase();
  const call = idlePhase.calls++;
  const pooled = idlePhaseUsesPool(call);
  const started = performance.now();
  gradientThreadsIdle = pooled;
  try {
    return phase();
  } finally {
    gradientThreadsIdle = false;
    const ms = performance.now() - started;
    const key = pooled ? 'pooledMs' : 'singleMs';
    if (call > 0) idlePhase[key] = Number.isNaN(idlePhase[key]) ? ms : 0.5 * idlePhase[key] + 0.5 * ms;
  }
}

/** Threads a large product may use now (1 when matMulPool() is null). */
/**
 * wasm's capabilities: those of the host, and batched products pay off while the matMul pool can spread
 * them over cores (read at each use: the pool yields the cores to gradient threads while they run).
 */
export function wasmCapabilities(): DeviceCapabilities {
  return Object.defineProperty(hostCapabilities(), 'batchesProducts', { get: () => matMulThreadsNow() > 1, enumerable: true });
}

export function matMulThreadsNow(): number {
  return (matMulPool()?.size ?? 0) + 1;
}

/**
 * The pool products may use now: null when single-threaded, once one of its threads has died, and while
 * gradient threads have the cores (see shareCoresWithGradientThreads).
 */
export function matMulPool(): MatMulPool | null {
  if (pool && !pool.alive) abandonPool();
  return gradientThreadsSharing && !gradientThreadsIdle ? null : pool;
}

/** Switches the pool off after a thread failed; the caller has already recomputed that thread's work. */
export function abandonPool(): void {
  process.stderr.write('capplan: a wasm matMul thread failed or stalled; continuing single-threaded\n');
  const old = pool;
  pool = null;
  void old?.stop();
}
