/**
 * Where a training step's time goes, per kernel: tf.profile around one forward + backward and one optimizer
 * step (after a warm-up step), aggregated by kernel name and by kernel + input shapes. Custom-gradient
 * wrappers show up as "unnamed scope" and include the kernels they run, so the kernel sum exceeds the wall
 * time. The numbers in bench/NOTES.md come from this.
 *
 * Run from the repo root:
 *   node bench/run.mjs train-profile [--backend wasm] [--depth 2] [--vocab 4096] [--seq 128] [--batch 8] [--top 22]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName } from '../src/backend/select.js';
import { OptimSectionSchema } from '../src/config/train-schema.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { shapeArgs } from './shape-args.js';

const { backend, depth, vocab, seq, batch, extra } = shapeArgs({ top: '22' });
const top = extra.top;

const info = await initBackend(parseBackendName(backend));
const model = new Gpt(modelConfig({ depth, seq_len: seq }, vocab), 1);
const { dims } = model;
const optim = new ModelOptimizers(model, OptimSectionSchema.parse({ device_batch_size: batch, total_batch_tokens: batch * seq }));
const inputs = tf.randomUniform([batch, seq], 0, vocab, 'int32') as tf.Tensor2D;
const targets = tf.randomUniform([batch, seq], 0, vocab, 'int32') as tf.Tensor2D;
const vars = [...model.params.values()];

function gradients(): Map<string, tf.Tensor> {
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets), vars);
  value.dispose();
  return new Map([...model.params].map(([name, p]) => [name, grads[p.name]!]));
}

function report(phase: string, kernels: Awaited<ReturnType<typeof tf.profile>>['kernels'], wallMs: number): void {
  const byName = new Map<string, number>();
  const byShape = new Map<string, { ms: number; calls: number }>();
  for (const k of kernels) {
    const ms = k.kernelTimeMs as number;
    byName.set(k.name, (byName.get(k.name) ?? 0) + ms);
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
    const entry = byShape.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byShape.set(key, entry);
  }
  const sum = [...byName.values()].reduce((a, b) => a + b, 0);
  console.log(`== ${phase}: wall ${wallMs.toFixed(0)} ms (profiled), kernel sum ${sum.toFixed(0)} ms, ${kernels.length} kernels`);
  console.log([...byName].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(' | '));
  for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(4)}× ${key}`);
  }
}

console.log(`backend ${info.name}${info.adapter ? ` (${info.adapter})` : ''}, depth ${depth}, vocab ${dims.vocabSize}, seq ${seq}, batch ${batch}`);
tf.dispose([...gradients().values()]); // warm-up: kernel setup, shader compilation
let t0 = performance.now();
const gradProfile = await tf.profile(() => tf.dispose([...gradients().values()]));
report('forward + backward', gradProfile.kernels, performance.now() - t0);
const grads = gradients();
t0 = performance.now();
const optimProfile = await tf.profile(() => void optim.step(grads, 0, 10));
report('optimizer step', optimProfile.kernels, performance.now() - t0);
tf.dispose([...grads.values()]);
process.exit(0);
