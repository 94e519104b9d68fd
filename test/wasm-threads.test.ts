import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { initBackend } from '../src/backend/select.js';
import { matMulPool, setMainThreadClaims, startMatMulPool, stopMatMulPool, wasmThreadsWanted } from '../src/backend/wasm-matmul-pool.js';
import { setParallelMinFlops } from '../src/backend/wasm-matmul.js';
import { OptimSectionSchema } from '../src/config/train-schema.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { scramble, tinyModel, tokens } from './model-fixtures.js';

/**
 * The wasm matMul pool (src/backend/wasm-matmul-pool.ts) must give bit-identical results to the
 * single-threaded backend — the trainer's resume test and `reproduce` compare weights exactly — and must
 * fall back to the main thread instead of hanging when a worker is gone.
 */

/** Seeded values in [−1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function product(shapeA: number[], shapeB: number[], transposeA: boolean, transposeB: boolean): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor(values(shapeA.reduce((x, y) => x * y, 1), 3), shapeA);
    const b = tf.tensor(values(shapeB.reduce((x, y) => x * y, 1), 4), shapeB);
    return tf.matMul(a, b, transposeA, transposeB).dataSync() as Float32Array;
  });
}

/** Chunks the pool threads have computed since the pool started. */
const poolChunks = () => matMulPool()?.chunksComputedByPool ?? 0;

function expectBitIdentical(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
  expect(differing).toBe(0);
}

beforeAll(async () => {
  await initBackend('wasm');
  setParallelMinFlops(1 << 22); // the pool's default threshold would leave these small shapes on one thread
});
afterAll(async () => {
  setMainThreadClaims(true);
  setParallelMinFlops(1 << 28);
  await stopMatMulPool();
  await initBackend('cpu');
});

describe('wasm matMul pool', () => {
  // Row split (taller than wide), column split, batch split (even and odd entry counts, broadcast B),
  // transpose flags on either side, and sizes that do not divide evenly.
  const cases: [number[], number[], boolean, boolean][] = [
    [[300, 70], [70, 130], false, false],
    [[90, 200], [200, 301], false, false],
    [[130, 300], [257, 300], false, true],
    [[200, 129], [200, 150], true, false],
    [[5, 64, 96], [5, 96, 80], false, false],
    [[2, 3, 96, 80], [2, 3, 96, 96], true, true],
    [[3, 100, 64], [64, 120], false, false],
  ];
  for (const [shapeA, shapeB, tA, tB] of cases) {
    it(`[${shapeA}]${tA ? 'ᵀ' : ''} × [${shapeB}]${tB ? 'ᵀ' : ''}: pool threads give the single-threaded bits`, async () => {
      await startMatMulPool(1);
      const single = product(shapeA, shapeB, tA, tB);
      for (const threads of [2, 3]) {
        expect(await startMatMulPool(threads)).toBe(threads);
        // Every chunk on the pool threads, then shared with the main thread as in normal use.
        setMainThreadClaims(false);
        expectBitIdentical(product(shapeA, shapeB, tA, tB), single);
        expect(poolChunks()).toBeGreaterThanOrEqual(2);
        setMainThreadClaims(true);
        expectBitIdentical(product(shapeA, shapeB, tA, tB), single);
      }
    });
  }

  it('leaves small products on the main thread', async () => {
    await startMatMulPool(2);
    setMainThreadClaims(false);
    product([16, 32], [32, 16], false, true);
    setMainThreadClaims(true);
    expect(poolChunks()).toBe(0);
  });

  it('three training steps with 2 threads end on the single-threaded weights', async () => {
    async function train(threads: number): Promise<Map<string, Float32Array>> {
      await startMatMulPool(threads);
      setMainThreadClaims(threads === 1);
      const model = tinyModel({ depth: 1, vocab: 512, seqLen: 64, seed: 3 });
      scramble(model);
      const optim = new ModelOptimizers(model.params, OptimSectionSchema.parse({ device_batch_size: 4, total_batch_tokens: 256 }), 64);
      const [inputs, targets] = [tokens(4, 64, 512, 1), tokens(4, 64, 512, 2)];
      const vars = [...model.params.values()];
      for (let step = 0; step < 3; step++) {
        const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets), vars);
        value.dispose();
        optim.step(new Map([...model.params].map(([name, p]) => [name, grads[p.name]!])), step, 3);
        tf.dispose(Object.values(grads));
      }
      const weights = new Map([...model.params].map(([name, p]) => [name, p.dataSync() as Float32Array]));
      tf.dispose([inputs, targets, ...vars]);
      return weights;
    }
    const single = await train(1);
    const threaded = await train(2);
    setMainThreadClaims(true);
    expect(poolChunks()).toBeGreaterThan(10);
    for (const [name, w] of single) expectBitIdentical(threaded.get(name)!, w);
  });

  it('a worker that has died is noticed: its share runs on the main thread, with the same bits', async () => {
    await startMatMulPool(1);
    const single = product([256, 128], [128, 512], false, false);
    await startMatMulPool(2);
    const threads = (matMulPool() as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads;
    await threads[0]!.worker.terminate();
    await new Promise((resolve) => setImmediate(resolve)); // let the 'exit' event through
    expectBitIdentical(product([256, 128], [128, 512], false, false), single);
    expect(matMulPool()).toBeNull();
  });
});

describe('wasmThreadsWanted', () => {
  it('reads CAPPLAN_WASM_THREADS and rejects bad values with a UserError naming it', () => {
    expect(wasmThreadsWanted({ CAPPLAN_WASM_THREADS: '3' })).toBe(3); // vitest runs files on the main thread
    expect(wasmThreadsWanted({})).toBeGreaterThanOrEqual(1);
    // Unset: every core when they are idle, one thread on a busy machine or inside a worker thread.
    expect(wasmThreadsWanted({}, { cores: 4, load1: 0.3, mainThread: true })).toBe(4);
    expect(wasmThreadsWanted({}, { cores: 2, load1: 3.2, mainThread: true })).toBe(1);
    expect(wasmThreadsWanted({}, { cores: 4, load1: 0.3, mainThread: false })).toBe(1);
    expect(wasmThreadsWanted({ CAPPLAN_WASM_THREADS: '2' }, { cores: 2, load1: 9, mainThread: true })).toBe(2);
    expect(wasmThreadsWanted({ CAPPLAN_WASM_THREADS: '2' }, { cores: 2, load1: 0, mainThread: false })).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'two']) {
      expect(() => wasmThreadsWanted({ CAPPLAN_WASM_THREADS: bad })).toThrow(UserError);
      expect(() => wasmThreadsWanted({ CAPPLAN_WASM_THREADS: bad })).toThrow(/CAPPLAN_WASM_THREADS/);
    }
  });
});

describe('single-threaded wasm paths', () => {
  it('a wide product computed in column blocks gives the stock kernel bits', async () => {
    await startMatMulPool(1);
    // [64,96]×[96,4200]: wide enough to be blocked; the reference multiplies the same values unblocked,
    // as the sum of a product with a zero-padded copy would not be, so compare against single columns.
    const wide = product([64, 96], [96, 4200], false, false);
    const a = tf.tensor(values(64 * 96, 3), [64, 96]);
    const b = tf.tensor(values(96 * 4200, 4), [96, 4200]);
    const narrow = tf.tidy(() => tf.concat([0, 1000, 2000, 3000, 4000].map((c0) => tf.matMul(a, b.slice([0, c0], [96, Math.min(1000, 4200 - c0)]))), 1).dataSync() as Float32Array);
    expectBitIdentical(wide, narrow);
    tf.dispose([a, b]);
  });

  it('Identity shares storage and keeps values', () => {
    const x = tf.tensor([1, 2, 3]);
    const stored = () => tf.backend().numDataIds();
    const before = stored();
    const y = tf.clone(x); // runs the Identity kernel
    expect(stored()).toBe(before);
    x.dispose();
    expect([...y.dataSync()]).toEqual([1, 2, 3]);
    y.dispose();
  });
});
