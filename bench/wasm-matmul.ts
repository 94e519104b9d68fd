/**
 * The wasm backend's matMul paths on the products of a d4 training step (V 8192, T 256, B 8), in one
 * process, alternating per repetition so that all variants see the same machine load:
 * - stock: tfjs-backend-wasm's own BatchMatMul kernel (before src/backend/wasm-kernels.ts replaced it), for the
 *   single untransposed products (the only ones it runs at XNNPACK speed);
 * - 1 thread: our kernel without the matMul pool (column blocks for wide products, per-entry XNNPACK calls);
 * - 2 threads: our kernel with a pool of one extra thread (src/backend/wasm-matmul-pool.ts).
 * Also records the process CPU time per variant: on a saturated machine a second thread gets no extra CPU.
 *
 *   node bench/run.mjs wasm-matmul [--reps 6]
 * writes bench/results/wasm-matmul-<date>[-n].json.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { setParallelMinFlops } from '../src/backend/wasm-matmul.js';
import { startMatMulPool } from '../src/backend/wasm-matmul-pool.js';
import { machineInfo } from '../src/eval/machine.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const { values: args } = parseArgs({ options: { reps: { type: 'string', default: '6' } } });
const reps = Number(args.reps);

// [a shape, b shape, transposeB]: lm_head forward, dW, dH; an MLP product; attention scores; Muon's X·Xᵀ.
const SHAPES: [number[], number[], boolean][] = [
  [[2048, 256], [256, 8192], false],
  [[256, 2048], [2048, 8192], false],
  [[2048, 8192], [8192, 256], false],
  [[2048, 256], [256, 1024], false],
  [[32, 256, 64], [32, 64, 256], false],
  [[256, 1024], [256, 1024], true],
];

// Taken before initBackend replaces it; our replacement keeps the stock setupFunc, which binds the wasm
// function this kernelFunc calls.
await import('@tensorflow/tfjs-backend-wasm');
const stock = tf.getKernel('BatchMatMul', 'wasm')!;
await initBackend('wasm');
setParallelMinFlops(1 << 28);

interface Timing {
  ms: number[];
  cpu_ms: number[];
}

function timeOnce(a: tf.Tensor, b: tf.Tensor, transposeB: boolean, useStock: boolean): { ms: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (useStock) {
    const out = stock.kernelFunc({ inputs: { a, b }, backend: tf.backend(), attrs: { transposeA: false, transposeB } }) as tf.TensorInfo;
    void (tf.backend().readSync(out.dataId) as Float32Array);
    tf.backend().disposeData(out.dataId);
  } else tf.tidy(() => void tf.matMul(a, b, false, transposeB).dataSync());
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpu: (cpu.user + cpu.system) / 1000 };
}

const results: Record<string, Record<string, Timing>> = {};
const loads: number[] = [];
for (const [shapeA, shapeB, transposeB] of SHAPES) {
  const a = tf.randomNormal(shapeA);
  const b = tf.randomNormal(shapeB);
  const key = `[${shapeA}]x[${shapeB}]${transposeB ? 'T' : ''}`;
  const plain2d = shapeA.length === 2 && !transposeB;
  const variants = [...(plain2d ? [['stock', 1] as const] : []), ['1 thread', 1] as const, ['2 threads', 2] as const];
  const entry: Record<string, Timing> = Object.fromEntries(variants.map(([v]) => [v, { ms: [], cpu_ms: [] }]));
  for (let r = 0; r < reps; r++) {
    loads.push(os.loadavg()[0]!);
    for (const [variant, threads] of variants) {
      await startMatMulPool(threads);
      const { ms, cpu } = timeOnce(a, b, transposeB, variant === 'stock');
      entry[variant]!.ms.push(Math.round(ms * 10) / 10);
      entry[variant]!.cpu_ms.push(Math.round(cpu * 10) / 10);
    }
  }
  results[key] = entry;
  tf.dispose([a, b]);
}

const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;
const summary = Object.fromEntries(
  Object.entries(results).map(([key, e]) => {
    const [one, two] = [median(e['1 thread']!.ms), median(e['2 threads']!.ms)];
    const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    const stockMs = e.stock ? median(e.stock.ms) : null;
    return [
      key,
      {
        median_ms_stock: stockMs,
        median_ms_1_thread: one,
        median_ms_2_threads: two,
        stock_over_1_thread: stockMs === null ? null : ratio(stockMs, one),
        speedup_2_threads: ratio(one, two),
      },
    ];
  }),
);
const path = writeBenchResult('wasm-matmul', {
  name: 'wasm-matmul',
  date: new Date().toISOString(),
  machine: machineInfo(),
  command: `node bench/run.mjs wasm-matmul --reps ${reps}`,
  note: 'one product incl. reading the result out of the wasm heap; stock = tfjs-backend-wasm BatchMatMul kernel, 1 thread = our kernel without the pool (CAPPLAN_WASM_THREADS=1), 2 threads = with one pool thread; variants alternate per repetition; medians. Other engineers share the 2 cores: see loadavg_1m',
  loadavg_1m: [Math.min(...loads), Math.max(...loads)],
  summary,
  results,
});
console.log(JSON.stringify(summary, null, 1));
console.log(`wrote ${path}`);
process.exit(0);
