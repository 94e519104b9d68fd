/**
 * Milliseconds per training step (forward + backward via tf.variableGrads, no optimizer) of the capplan GPT
 * on each backend, plus two kernel comparisons behind the model's design:
 * - UnsortedSegmentSum (the scatter-add tf.gather's gradient calls): tfjs's stock kernel against ours
 *   (src/backend/scatter-add.ts) on the model's two gather-gradient shapes;
 * - the lm_head gradient products with transpose flags (tfjs's matMul gradient) against explicit transposes
 *   (src/model/matmul.ts).
 *
 * Run from the repo root:
 *   node bench/run.mjs model-step [--backends cpu,wasm,webgpu] [--depth 2] [--vocab 4096] [--seq 128]
 *     [--batch 8] [--steps 5]
 * Writes bench/results/model-step-<YYYY-MM-DD>.json (or -2, -3…; never overwritten). Each backend runs in its own child process (tfjs
 * backends are process-global); on a shared machine the load average in the result says how noisy it was.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../src/backend/select.js';
import { machineInfo } from '../src/eval/machine.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm,webgpu' },
    depth: { type: 'string', default: '2' },
    vocab: { type: 'string', default: '4096' },
    seq: { type: 'string', default: '128' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '5' },
    child: { type: 'string' },
  },
});
const cfg = { depth: +args.depth, vocab: +args.vocab, seq: +args.seq, batch: +args.batch, steps: +args.steps };

async function timeMs(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

/** One backend, in the child process: prints one JSON line. */
async function measure(backendName: string): Promise<void> {
  const stock = tf.getKernel('UnsortedSegmentSum', 'cpu')!; // captured before our kernel replaces it
  const info = await initBackend(parseBackendName(backendName));
  const model = new Gpt(modelConfig({ depth: cfg.depth, seq_len: cfg.seq }, cfg.vocab), 1);
  const { dims } = model;
  const n = cfg.batch * cfg.seq;
  const ids = (mul: number, add: number) => Array.from({ length: n }, (_, i) => (i * mul + add) % cfg.vocab);
  const inputs = tf.tensor2d(ids(7919, 0), [cfg.batch, cfg.seq], 'int32');
  const targets = tf.tensor2d(ids(104729, 3), [cfg.batch, cfg.seq], 'int32');
  const vars = [...model.params.values()];
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets), vars);
    await value.data();
    for (const g of Object.values(grads)) await g.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  await step(); // warm-up: shader compilation, wasm initialisation
  const tensorsBefore = tf.memory().numTensors;
  const stepMs: number[] = [];
  for (let i = 0; i < cfg.steps; i++) stepMs.push(await timeMs(step));
  const tensorsFlat = tf.memory().numTensors === tensorsBefore;

  // The two scatter-adds of one step: embedding gradient [n, d] into V rows, target-logit gradient [n] into n·V.
  const segmentSum = (x: tf.Tensor, segments: number) =>
    timeMs(async () => {
      const seg = tf.tensor1d(ids(7919, 0).map((v, i) => (segments > cfg.vocab ? i * cfg.vocab + v : v)), 'int32');
      const out = tf.unsortedSegmentSum(x, seg, segments);
      await out.data();
      tf.dispose([seg, out]);
    });
  const embeddingGrad = tf.randomNormal([n, dims.dModel]);
  const logitGrad = tf.randomNormal([n]);
  const scatterAdd: Record<string, number | string> = {};
  if (info.name === 'webgpu') {
    scatterAdd.note = 'tfjs-backend-webgpu has its own atomic-add kernel; ours is not registered there';
  } else {
    scatterAdd.ours_embedding_ms = await segmentSum(embeddingGrad, cfg.vocab);
    scatterAdd.ours_logit_ms = await segmentSum(logitGrad, n * cfg.vocab);
  }
  if (info.name === 'wasm') scatterAdd.stock = 'tfjs-backend-wasm has no UnsortedSegmentSum kernel: the step fails without ours';
  if (info.name === 'cpu') {
    // tfjs's stock kernel loops over every segment, so the n·V-segment call is timed on 1/64 of the segments
    // and scaled (its cost is linear in the segment count).
    tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
    tf.registerKernel(stock);
    scatterAdd.stock_embedding_ms = await segmentSum(embeddingGrad, cfg.vocab);
    scatterAdd.stock_logit_ms_extrapolated = 64 * (await segmentSum(logitGrad, (n * cfg.vocab) / 64));
  }

  const h = tf.randomNormal([n, dims.dModel]) as tf.Tensor2D;
  const dz = tf.randomNormal([n, dims.vocabSize]) as tf.Tensor2D;
  const w = tf.randomNormal([dims.dModel, dims.vocabSize]) as tf.Tensor2D;
  const variants: Record<string, () => tf.Tensor> = {
    flagged_dW: () => tf.matMul(h, dz, true, false),
    explicit_dW: () => tf.matMul(tf.transpose(h), dz),
    flagged_dH: () => tf.matMul(dz, w, false, true),
    explicit_dH: () => tf.matMul(dz, tf.transpose(w)),
  };
  const matmulMs: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(variants)) {
      matmulMs[name]!.push(
        await timeMs(async () => {
          const out = tf.tidy(fn);
          await out.data();
          out.dispose();
        }),
      );
    }
  }
  const lmHeadGrad = Object.fromEntries(Object.entries(matmulMs).map(([k, v]) => [k, Math.round(Math.min(...v))]));
  const row = {
    backend: info.name,
    adapter: info.adapter,
    version: info.version,
    step_ms: stepMs.map(Math.round),
    step_ms_median: Math.round(median(stepMs)),
    tensors_flat: tensorsFlat,
    scatter_add: scatterAdd,
    lm_head_grad_matmul_ms_min_of_3: lmHeadGrad,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  process.exit(0);
}

async function main(): Promise<void> {
  if (args.child) return measure(args.child);
  const runner = join('bench', 'run.mjs');
  const passThrough = process.argv.slice(2);
  const results: unknown[] = [];
  for (const backend of args.backends.split(',')) {
    const res = spawnSync(process.execPath, [runner, 'model-step', ...passThrough, '--child', backend], { encoding: 'utf8' });
    const line = res.stdout.trim().split('\n').pop();
    const row = res.status === 0 && line ? JSON.parse(line) : { backend, error: res.stderr.trim().split('\n').slice(-3).join(' ') };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    results.push(row);
  }
  const path = writeBenchResult('model-step', {
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadavg_1m_at_end: Math.round(loadavg()[0]! * 100) / 100 },
    command: `node bench/run.mjs model-step ${passThrough.join(' ')}`.trim(),
    config: cfg,
    results,
  });
  process.stdout.write(`wrote ${path}\n`);
}

await main();
