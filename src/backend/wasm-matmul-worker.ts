/**
 * The body of a matMul pool thread (wasm-matmul-pool.ts). It runs in a worker_threads Worker started from
 * this function's source text (`eval`), so that the same code works from dist/ and from the TypeScript
 * sources under vitest: it must not refer to anything outside itself except `require` and its workerData.
 *
 * The thread loads its own single-threaded tfjs wasm backend (its own heap and XNNPACK instance) and then
 * loops synchronously: sleep until a job is posted, then claim the job's chunks one at a time (the main
 * thread claims them too) and compute each from the shared data buffer into it. Synchronous on both sides
 * because tfjs kernels are synchronous.
 */

/** Indexes into the Int32Array control block shared by the main thread and every pool thread. */
export const CONTROL = {
  /** Job number, bumped by the main thread to post a job. */
  posted: 0,
  /**
   * Chunk claims of the current job: (chunk count << 16) | next unclaimed chunk. A thread owns chunk i
   * once its compare-exchange from i to i + 1 succeeds, so the count travels with the claim and a thread
   * that wakes up late can never claim a chunk of a job that is over.
   */
  claim: 1,
  /** Chunks of the current job finished by pool threads (successfully or not). */
  finished: 2,
  /** Set to 1 when a pool thread's chunk threw (the main thread then recomputes the pool's chunks). */
  failed: 3,
  /** Generation of the data buffer; each new one is sent on every thread's port before the job using it. */
  generation: 4,
  /** Inner dimension of every product of the job, and the per-entry step of the A and B operands (0 = shared). */
  k: 5,
  aStep: 6,
  bStep: 7,
  /** Start of the chunk table: CHUNK_FIELDS ints per chunk. */
  table: 8,
} as const;

/** Per chunk: offsets (in floats) of its first A entry, B entry and result; result rows, columns; entries. */
export const CHUNK_FIELDS = 6;
export const MAX_CHUNKS = 1024;

export interface MatMulWorkerData {
  control: SharedArrayBuffer;
  port: import('node:worker_threads').MessagePort;
  tfjsCore: string;
  tfjsWasm: string;
  wasmDir: string;
  layout: { control: typeof CONTROL; chunkFields: number };
}

/** Not called in this thread: its source is the worker's program. */
export function matMulWorkerMain(require: NodeJS.Require): void {
  const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const data = workerData as MatMulWorkerData;
  const C = data.layout.control;
  const fields = data.layout.chunkFields;
  const tf = require(data.tfjsCore) as typeof import('@tensorflow/tfjs');
  const wasm = require(data.tfjsWasm) as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(data.wasmDir);
  const control = new Int32Array(data.control);
  let generation = 0;
  let buffer: Float32Array<ArrayBufferLike> = new Float32Array(0);

  function computeChunk(chunk: number): void {
    const backend = tf.backend() as unknown as { typedArrayFromHeap(t: import('@tensorflow/tfjs').Tensor): Float32Array };
    const at = (field: number) => Atomics.load(control, C.table + chunk * fields + field);
    const [aOff, bOff, outOff, rows, cols, entries] = [at(0), at(1), at(2), at(3), at(4), at(5)];
    const [k, aStep, bStep] = [Atomics.load(control, C.k), Atomics.load(control, C.aStep), Atomics.load(control, C.bStep)];
    for (let e = 0; e < entries; e++) {
      tf.tidy(() => {
        const a = tf.tensor2d(buffer.subarray(aOff + e * aStep, aOff + e * aStep + rows * k), [rows, k]);
        const b = tf.tensor2d(buffer.subarray(bOff + e * bStep, bOff + e * bStep + k * cols), [k, cols]);
        buffer.set(backend.typedArrayFromHeap(tf.matMul(a, b)), outOff + e * rows * cols);
      });
    }
  }

  /** Claims and computes chunks until none is left. */
  function work(): void {
    for (;;) {
      const claim = Atomics.load(control, C.claim);
      const [count, next] = [claim >>> 16, claim & 0xffff];
      if (next >= count) return;
      if (Atomics.compareExchange(control, C.claim, claim, claim + 1) !== claim) continue;
      try {
        while (generation !== Atomics.load(control, C.generation)) {
          // Posted before the job was, so it is already queued on the port.
          const message = receiveMessageOnPort(data.port);
          if (!message) throw new Error('matMul worker: data buffer announced but not received');
          buffer = new Float32Array(message.message as SharedArrayBuffer);
          generation += 1;
        }
        computeChunk(next);
      } catch {
        Atomics.store(control, C.failed, 1);
      }
      Atomics.add(control, C.finished, 1);
      Atomics.notify(control, C.finished);
    }
  }

  function serve(): void {
    let seen = 0;
    for (;;) {
      Atomics.wait(control, C.posted, seen);
      seen = Atomics.load(control, C.posted);
      work();
    }
  }

  void tf.setBackend('wasm').then((ok) => {
    parentPort!.postMessage(ok ? 'ready' : 'no wasm backend');
    if (ok) serve();
  });
}
