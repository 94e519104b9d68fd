/**
 * The naive baseline of bench/NOTES.md: the same GPT step (same shapes, same math) written the obvious way
 * in stock TF.js, on stock kernels only (none of src/backend's replacements are registered here):
 * separate q/k/v projections, per-op autodiff everywhere (tf.matMul's own gradient with transpose flags,
 * RMSNorm as a composition), rotary by split + concat, attention scores with a transposed matMul, the
 * embedding as tf.gather with its stock gradient (UnsortedSegmentSum; on wasm, which has no such kernel, a
 * one-hot matmul instead), one-hot softmax cross-entropy over the vocabulary, and tf.train.adam.
 *
 * Run from the repo root (one backend per process; tfjs backends are process-global):
 *   node bench/run.mjs train-naive --backend wasm [--depth 2 --vocab 4096 --seq 128 --batch 8 --steps 2]
 * Prints one JSON line, like `capplan bench train --json` (plus "impl":"naive").
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelDims } from '../src/model/dims.js';
import { paramCount } from '../src/model/params.js';
import { shapeArgs } from './shape-args.js';

const { backend, depth, vocab, seq, batch, extra } = shapeArgs({ steps: '2' });
const steps = extra.steps;

if (backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
}
if (backend === 'webgpu') {
  const { probeWebGpu } = await import('../src/backend/webgpu.js');
  await probeWebGpu();
}
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
await tf.ready();

const dims = modelDims(depth, vocab);
const { dModel: d, nHead: h, headDim: hd, vocabSize: V } = dims;
const w = (rows: number, cols: number, std: number) => tf.variable(tf.randomNormal([rows, cols], 0, std));
const wte = w(V, d, 1);
const lmHead = w(d, V, 0.001);
const blocks = Array.from({ length: depth }, () => ({
  q: w(d, d, d ** -0.5), k: w(d, d, d ** -0.5), v: w(d, d, d ** -0.5), o: w(d, d, d ** -0.5),
  fc: w(d, 4 * d, d ** -0.5), proj: w(4 * d, d, (4 * d) ** -0.5),
}));
const rms = (x: tf.Tensor) => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6)));
const inv = Array.from({ length: hd / 2 }, (_, i) => 10000 ** ((-2 * i) / hd));
const angles = tf.tensor2d(Array.from({ length: seq }, (_, t) => inv.map((f) => t * f)));
const [cos, sin] = [tf.cos(angles), tf.sin(angles)];
const rope = (x: tf.Tensor) => {
  const [a, b] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
  return tf.concat([tf.sub(tf.mul(a, cos), tf.mul(b, sin)), tf.add(tf.mul(a, sin), tf.mul(b, cos))], -1);
};
const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)), -1e9);
const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, seq, h, hd]), [0, 2, 1, 3]);

const inputs = tf.randomUniform([batch * seq], 0, vocab, 'int32') as tf.Tensor1D;
const targets = tf.randomUniform([batch * seq], 0, vocab, 'int32') as tf.Tensor1D;
const loss = () => {
  const embedded = backend === 'wasm' ? tf.matMul(tf.oneHot(inputs, V), wte) : tf.gather(wte, inputs);
  let x = rms(embedded);
  for (const blk of blocks) {
    const y = rms(x);
    const [q, k, v] = [blk.q, blk.k, blk.v].map((p) => heads(tf.matMul(y, p)));
    const scores = tf.add(tf.div(tf.matMul(rms(rope(q!)), rms(rope(k!)), false, true), Math.sqrt(hd)), mask);
    const att = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v!), [0, 2, 1, 3]), [batch * seq, d]);
    x = tf.add(x, tf.matMul(att, blk.o));
    x = tf.add(x, tf.matMul(tf.square(tf.relu(tf.matMul(rms(x), blk.fc))), blk.proj));
  }
  const z = tf.mul(tf.tanh(tf.div(tf.matMul(rms(x), lmHead), 15)), 15);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(targets, V), z) as tf.Scalar;
};
const opt = tf.train.adam(1e-3, 0.8, 0.95);
const step = async () => {
  const cost = opt.minimize(loss, true);
  await cost!.data();
  cost!.dispose();
};
await step(); // warm-up
const t0 = performance.now();
for (let i = 0; i < steps; i++) await step();
const ms = (performance.now() - t0) / steps;
const tokens = batch * seq;
process.stdout.write(
  `${JSON.stringify({ impl: 'naive', backend: tf.getBackend(), depth, params: paramCount(dims), tokens_per_step: tokens, ms_per_step: Math.round(ms), tokens_per_s: Math.round((tokens / ms) * 1000 * 10) / 10, steps })}\n`,
);
process.exit(0);
