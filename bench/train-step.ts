/**
 * Base-pretraining step speed through the real trainer (src/train/trainer.ts): forward + backward with
 * gradient accumulation, Muon + AdamW, on synthetic tokens, for one depth/vocab/seq/batch. Also times the
 * two halves of a step (gradients, optimizer update) separately on the same model.
 *
 * Run from the repo root:
 *   node --input-type=module -e "await (await import('vite')).runnerImport('./bench/train-step.ts')" -- \
 *     [--backend cpu] [--depth 2] [--vocab 4096] [--seq 128] [--batch 8] [--steps 5]
 * Writes bench/results/train-step-<backend>-d<depth>-<YYYY-MM-DD>.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../src/backend/select.js';
import { TrainConfigSchema } from '../src/config/train-schema.js';
import { modelConfig } from '../src/model/config.js';
import { paramCount } from '../src/model/params.js';
import { Gpt } from '../src/model/gpt.js';
import { flopsPerToken } from '../src/train/flops.js';
import { accumulateGradients } from '../src/train/gradients.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { Prng } from '../src/util/prng.js';
import { memoryTokenSource } from '../src/train/token-source.js';
import { train } from '../src/train/trainer.js';
import { machineInfo, parseFlag } from './tokenizer-bench-util.js';
import { writeBenchResult } from '../src/eval/results-file.js';

const backendName = parseBackendName(parseFlag('--backend') ?? 'cpu');
const depth = Number(parseFlag('--depth') ?? 2);
const vocab = Number(parseFlag('--vocab') ?? 4096);
const seqLen = Number(parseFlag('--seq') ?? 128);
const batch = Number(parseFlag('--batch') ?? 8);
const steps = Number(parseFlag('--steps') ?? 5);

const backend = await initBackend(backendName);
const rng = new Prng(1);
const docs = Array.from({ length: 64 }, () => Uint16Array.from({ length: 1000 }, () => rng.int(vocab - 1)));
const bos = vocab - 1;
const tokenizer = {
  vocabSize: vocab,
  encode: () => [],
  decode: () => '',
  tokenBytes: (id: number) => new Uint8Array(id === bos ? 0 : 4),
  specialId: () => bos,
};
const config = TrainConfigSchema.parse({
  model: { depth, seq_len: seqLen },
  optim: { device_batch_size: batch, total_batch_tokens: batch * seqLen },
  eval: { every: 0, tokens: batch * seqLen, sample_tokens: 0 },
  log_every: 1,
});
const runDir = mkdtempSync(join(tmpdir(), 'capplan-bench-train-'));
const result = await train({
  config,
  tokenizer,
  data: { train: memoryTokenSource([docs]), val: memoryTokenSource([docs.slice(0, 4)]) },
  runDir,
  maxSteps: steps + 1,
  stopAtStep: steps + 1,
  resume: false,
  log: () => {},
});
// Per-step records (log_every 1); the first step (kernel compilation, warm-up) is left out.
const records = readFileSync(join(runDir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ms_per_step: number });
const steadyMs = records.slice(1).reduce((a, r) => a + r.ms_per_step, 0) / (records.length - 1);
rmSync(runDir, { recursive: true, force: true });

// The two halves of a step, on a fresh model (first call warms up kernels and is not counted).
const tokensPerStep = batch * seqLen;
const model = new Gpt(modelConfig(config.model, vocab), 1);
const { dims } = model;
const optim = new ModelOptimizers(model, config.optim);
const b = {
  inputs: Int32Array.from({ length: batch * seqLen }, () => rng.int(vocab)),
  targets: Int32Array.from({ length: batch * seqLen }, () => rng.int(vocab)),
  rows: batch,
  seqLen,
};
let gradMs = 0;
let optimMs = 0;
for (let i = 0; i <= steps; i++) {
  const t0 = performance.now();
  const g = await accumulateGradients(model, [b]);
  const t1 = performance.now();
  optim.step(g.grads, i, 1000);
  tf.dispose([...g.grads.values()]);
  await model.params.get('wte')!.data(); // wait for the update on async backends
  const t2 = performance.now();
  if (i > 0) {
    gradMs += t1 - t0;
    optimMs += t2 - t1;
  }
}
optim.dispose();
model.dispose();

const out = {
  name: 'train-step',
  date: new Date().toISOString(),
  machine: machineInfo(),
  backend,
  shape: { depth, d_model: dims.dModel, vocab: dims.vocabSize, seq_len: seqLen, batch, params: paramCount(dims) },
  steps,
  note: 'all timings leave out the first step (kernel warm-up)',
  trainer: {
    ms_per_step: Math.round(steadyMs),
    tokens_per_s: Math.round((tokensPerStep / steadyMs) * 1000 * 10) / 10,
    gflops_per_s: Math.round(((flopsPerToken(dims, seqLen) * tokensPerStep) / steadyMs / 1e6) * 100) / 100,
    first_step_ms: Math.round(result.msPerStep * (steps + 1) - steadyMs * steps),
  },
  split_ms: { gradients: Math.round(gradMs / steps), optimizer: Math.round(optimMs / steps) },
  tokens_per_step: tokensPerStep,
};
console.log(JSON.stringify(out, null, 2));
console.log(`wrote ${writeBenchResult(`train-step-${backend.name}-d${depth}`, out)}`);
