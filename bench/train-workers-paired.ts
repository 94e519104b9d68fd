/**
 * `--workers` measured within one process: optimizer steps alternate between the single-thread path and a
 * 2-thread GradientPool on the same model (d2 / d4 shapes, B rows split in two micro-batches), so each pair
 * of steps runs under the same machine load. Reports per config the median over pairs of the wall-clock
 * ratio (1 thread / 2 threads) for the gradient phase and for the whole step, the process CPU time per step
 * of each path (its growth is the pool's copying overhead) and the cores each path obtained (CPU / wall):
 * a second thread only helps when the machine has a core to give it.
 *
 * Run from the repo root after `npm run build` (workers run dist/train/parallel/gradient-worker.js):
 *   node bench/run.mjs train-workers-paired [--configs d2,d4] [--pairs 6]
 * Writes bench/results/train-workers-paired-<YYYY-MM-DD>.json, or -2, -3… (never overwritten).
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { OptimSectionSchema } from '../src/config/train-schema.js';
import { machineInfo } from '../src/eval/machine.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { accumulateGradients, type GradientHelpers } from '../src/train/gradients.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { GradientPool } from '../src/train/parallel/gradient-pool.js';
import { Prng } from '../src/util/prng.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const CONFIGS: Record<string, { depth: number; vocab: number; seq: number; batch: number }> = {
  d2: { depth: 2, vocab: 4096, seq: 128, batch: 8 },
  d4: { depth: 4, vocab: 8192, seq: 256, batch: 8 },
};

const { values: args } = parseArgs({ options: { configs: { type: 'string', default: 'd2,d4' }, pairs: { type: 'string', default: '6' } } });
const workerScript = new URL('../dist/train/parallel/gradient-worker.js', import.meta.url);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface StepTiming {
  gradMs: number;
  stepMs: number;
  cpuMs: number;
}

async function measureConfig(name: string, pairs: number) {
  const cfg = CONFIGS[name]!;
  const model = new Gpt(modelConfig({ depth: cfg.depth, seq_len: cfg.seq }, cfg.vocab), 1);
  const { dims } = model;
  const rows = cfg.batch / 2;
  const optim = new ModelOptimizers(model, OptimSectionSchema.parse({ device_batch_size: rows, total_batch_tokens: cfg.batch * cfg.seq }));
  const rng = new Prng(1);
  const draw = () => Int32Array.from({ length: rows * cfg.seq }, () => rng.int(dims.vocabSize));
  const batches = [0, 1].map(() => ({ inputs: draw(), targets: draw(), rows, seqLen: cfg.seq }));
  const pool = await GradientPool.start({ backend: 'wasm', model, threads: 2, workerScript });
  const lastParam = [...model.params.values()].at(-1)!;
  let step = 0;
  const timed = async (helpers?: GradientHelpers): Promise<StepTiming> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { grads } = await accumulateGradients(model, batches, helpers);
    const t1 = performance.now();
    optim.step(grads, step++, 1000);
    tf.dispose([...grads.values()]);
    await lastParam.data();
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    return { gradMs: t1 - t0, stepMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const loads: number[] = [];
  const serial: StepTiming[] = [];
  const parallel: StepTiming[] = [];
  try {
    await timed();
    await timed(pool); // warm-up of both paths (kernel setup, heap growth in both threads)
    for (let p = 0; p < pairs; p++) {
      loads.push(Math.round(loadavg()[0]! * 100) / 100);
      // Alternate which path goes first, so a load change within a pair does not favour one side.
      if (p % 2 === 0) {
        serial.push(await timed());
        parallel.push(await timed(pool));
      } else {
        parallel.push(await timed(pool));
        serial.push(await timed());
      }
    }
  } finally {
    await pool.close();
    optim.dispose();
    model.dispose();
  }
  const ratios = (f: (t: StepTiming) => number) => serial.map((s, i) => f(s) / f(parallel[i]!));
  const med = (xs: StepTiming[], f: (t: StepTiming) => number) => Math.round(median(xs.map(f)));
  // cores_obtained = CPU time / wall time: how much of the machine the path actually got.
  const path = (xs: StepTiming[]) => ({
    gradients_ms: med(xs, (t) => t.gradMs),
    step_ms: med(xs, (t) => t.stepMs),
    process_cpu_ms: med(xs, (t) => t.cpuMs),
    cores_obtained: round3(median(xs.map((t) => t.cpuMs / t.stepMs))),
  });
  return {
    config: name,
    shape: { ...cfg, micro_batches: 2, device_batch: rows },
    pairs,
    loadavg_1m: [Math.min(...loads), Math.max(...loads)],
    median_gradients_speedup: round3(median(ratios((t) => t.gradMs))),
    median_step_speedup: round3(median(ratios((t) => t.stepMs))),
    step_speedup_per_pair: ratios((t) => t.stepMs).map(round3),
    one_thread: path(serial),
    two_threads: path(parallel),
  };
}

if (!existsSync(workerScript)) throw new Error('dist/ missing: run `npm run build` first');
await initBackend('wasm');
const started = new Date().toISOString();
const summary = [];
for (const name of args.configs.split(',')) {
  if (!CONFIGS[name]) throw new Error(`unknown config ${name} (known: ${Object.keys(CONFIGS).join(', ')})`);
  const result = await measureConfig(name, Number(args.pairs));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  summary.push(result);
}
const path = writeBenchResult('train-workers-paired', {
  name: 'train-workers-paired',
  date: started,
  machine: machineInfo(),
  command: `node bench/run.mjs train-workers-paired ${process.argv.slice(2).join(' ')}`.trim(),
  note:
    'wasm backend; steps alternate 1 thread / 2 threads (GradientPool) in one process; speedup = 1-thread wall / 2-thread wall per pair, ' +
    'median over pairs; process_cpu_ms counts every thread; other engineers and the lead share the 2 cores',
  summary,
});
process.stdout.write(`wrote ${path}\n`);
