import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { modelInfo } from '../src/cli/model.js';
import { modelDims } from '../src/model/dims.js';
import { paramCount } from '../src/model/params.js';
import { SOFTCAP } from '../src/model/gpt.js';
import { supervisedPositions } from '../src/model/supervised.js';
import { rmsNorm } from '../src/model/rms-norm.js';
import { runCli } from './helpers/cli.js';
import { scramble, tinyModel, tokens } from './model-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('model dims and info', () => {
  it('follows DESIGN.md: model_dim = round_up(64·depth, head_dim), head_dim 128 from 768 on', () => {
    expect(modelDims(2, 4096)).toEqual({ depth: 2, dModel: 128, nHead: 2, nKvHead: 2, headDim: 64, mlpDim: 512, vocabSize: 4096 });
    expect(modelDims(11, 100)).toMatchObject({ dModel: 704, headDim: 64, nHead: 11, vocabSize: 128 });
    expect(modelDims(12, 65536)).toMatchObject({ dModel: 768, headDim: 128, nHead: 6 });
    expect(modelDims(13, 65536)).toMatchObject({ dModel: 896, headDim: 128, nHead: 7 });
    expect(modelDims(26, 65536)).toMatchObject({ dModel: 1664, headDim: 128, nHead: 13 });
    expect(paramCount(modelDims(12, 65536))).toBe(2 * 65536 * 768 + 12 * 768 * 768 * 12);
  });

  it('model info matches 2·V·d + 12·d²·L for d12–d26 (CLI for d12, d19, d26)', () => {
    for (let depth = 12; depth <= 26; depth++) {
      let info = modelInfo(depth, 50000);
      if (depth % 7 === 5) {
        // Each CLI spawn costs a second, so the command itself is checked on three depths.
        const res = runCli(['model', 'info', '--depth', String(depth), '--vocab', '50000', '--json']);
        expect(res.code, res.stderr).toBe(0);
        expect(JSON.parse(res.stdout)).toEqual(info);
        info = JSON.parse(res.stdout) as Record<string, number>;
      }
      const d = info.d_model!;
      expect(d % 128).toBe(0);
      expect(d).toBeGreaterThanOrEqual(64 * depth);
      expect(info.n_head! * info.head_dim!).toBe(d);
      expect(info.vocab_size).toBe(50048);
      expect(info.params).toBe(2 * 50048 * d + 12 * d * d * depth);
    }
  });

  it('rejects a non-positive or non-numeric depth with a one-line error', () => {
    for (const bad of ['0', 'two']) {
      const res = runCli(['model', 'info', '--depth', bad]);
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toContain('--depth must be a positive integer');
    }
  });
});

describe('Gpt forward', () => {
  it('has the contract parameter names and shapes', () => {
    const model = tinyModel({ depth: 2, vocab: 100 });
    const d = 128;
    expect([...model.params.keys()]).toEqual([
      'wte',
      ...[0, 1].flatMap((i) => ['q', 'k', 'v', 'proj'].map((w) => `h.${i}.attn.${w}`).concat([`h.${i}.mlp.fc`, `h.${i}.mlp.proj`])),
      'lm_head',
    ]);
    expect(model.params.get('wte')!.shape).toEqual([128, d]);
    expect(model.params.get('lm_head')!.shape).toEqual([d, 128]);
    expect(model.params.get('h.1.mlp.fc')!.shape).toEqual([d, 4 * d]);
    expect(model.params.get('h.1.mlp.proj')!.shape).toEqual([4 * d, d]);
    const total = [...model.params.values()].reduce((n, p) => n + p.size, 0);
    expect(total).toBe(paramCount(model.dims));
    model.dispose();
  });

  it('gives [B, T, V] logits, [B, T] losses and a finite scalar loss for several depths', () => {
    for (const depth of [1, 2, 3, 4]) {
      const model = tinyModel({ depth, vocab: 70, seqLen: 8 });
      scramble(model);
      const x = tokens(2, 8, 70);
      const y = tokens(2, 8, 70, 1);
      const logits = model.logits(x);
      expect(logits.shape).toEqual([2, 8, 128]);
      expect(tf.max(tf.abs(logits)).dataSync()[0]).toBeLessThanOrEqual(SOFTCAP);
      const losses = model.tokenLosses(x, y);
      expect(losses.shape).toEqual([2, 8]);
      const loss = model.loss(x, y);
      expect(loss.shape).toEqual([]);
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      const last = model.lastLogits(x);
      expect(last.shape).toEqual([2, 128]);
      const fromFull = tf.reshape(tf.slice(logits, [0, 7, 0], [2, 1, 128]), [2, 128]);
      expect(tf.max(tf.abs(tf.sub(last, fromFull))).dataSync()[0]).toBeLessThan(1e-5);
      // Shorter sequences than seqLen use the first rows of the rotary tables and mask.
      expect(model.logits(tokens(3, 5, 70)).shape).toEqual([3, 5, 128]);
      tf.dispose([x, y, logits, losses, loss]);
      model.dispose();
    }
  });

  it('is causal: changing a future token leaves earlier logits unchanged', () => {
    const model = tinyModel({ depth: 2, vocab: 64, seqLen: 8 });
    scramble(model);
    const base = [3, 14, 15, 9, 26, 5, 35, 8];
    const changed = [...base];
    changed[5] = 60;
    const a = model.logits(tf.tensor2d([base], [1, 8], 'int32')).arraySync()[0]!;
    const b = model.logits(tf.tensor2d([changed], [1, 8], 'int32')).arraySync()[0]!;
    for (let t = 0; t < 5; t++) expect(b[t]).toEqual(a[t]);
    // …and the change does reach the later positions (attention is live in a scrambled model).
    for (let t = 5; t < 8; t++) expect(b[t]).not.toEqual(a[t]);
    model.dispose();
  });

  it('starts with zero output projections, so every block is the identity', () => {
    const model = tinyModel({ depth: 3, vocab: 64, seqLen: 8 });
    for (const [name, p] of model.params) {
      if (name.endsWith('.proj')) expect(tf.max(tf.abs(p)).dataSync()[0], name).toBe(0);
      else expect(tf.max(tf.abs(p)).dataSync()[0], name).toBeGreaterThan(0);
    }
    const x = tokens(2, 8, 64);
    const expected = tf.tidy(() => {
      const embedded = rmsNorm(tf.gather(model.params.get('wte')!, tf.reshape(x, [16])));
      const z = tf.matMul(rmsNorm(embedded), model.params.get('lm_head')!);
      return tf.reshape(tf.mul(tf.tanh(tf.div(z, SOFTCAP)), SOFTCAP), [2, 8, 64]);
    });
    const actual = model.logits(x);
    expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-6);
    model.dispose();
  });

  it('ignores targets of −1: zero loss there, mean over the rest', () => {
    const model = tinyModel({ depth: 1, vocab: 64, seqLen: 4 });
    scramble(model);
    const x = tokens(1, 4, 64);
    const y = tf.tensor2d([[5, -1, 7, -1]], [1, 4], 'int32');
    const losses = model.tokenLosses(x, y).dataSync();
    expect(losses[1]).toBe(0);
    expect(losses[3]).toBe(0);
    expect(losses[0]).toBeGreaterThan(0);
    expect(model.loss(x, y).dataSync()[0]).toBeCloseTo((losses[0]! + losses[2]!) / 2, 5);
    expect(model.loss(x, tf.fill([1, 4], -1, 'int32') as tf.Tensor2D).dataSync()[0]).toBe(0);
    model.dispose();
  });

  it('computes the same loss and gradients on the supervised rows only as over the masked whole batch', () => {
    const model = tinyModel({ depth: 1, vocab: 64, seqLen: 6 });
    scramble(model);
    const x = tokens(2, 6, 64);
    const targetValues = new Int32Array([-1, -1, 9, 4, -1, 12, 30, -1, -1, -1, 2, -1]);
    const y = tf.tensor2d(targetValues, [2, 6], 'int32');
    const positions = supervisedPositions(targetValues)!;
    expect([...positions]).toEqual([2, 3, 5, 6, 10]);
    const supervised = tf.tensor1d(positions, 'int32');
    const vars = [...model.params.values()];
    const masked = tf.variableGrads(() => model.loss(x, y), vars);
    const gathered = tf.variableGrads(() => model.loss(x, y, supervised), vars);
    expect(gathered.value.dataSync()[0]).toBeCloseTo(masked.value.dataSync()[0]!, 5);
    for (const v of vars) {
      const diff = tf.max(tf.abs(tf.sub(gathered.grads[v.name]!, masked.grads[v.name]!))).dataSync()[0]!;
      expect(diff, v.name).toBeLessThan(1e-5);
    }
    expect(tf.max(tf.abs(masked.grads[model.params.get('lm_head')!.name]!)).dataSync()[0]).toBeGreaterThan(0);
    expect(supervisedPositions(new Int32Array([1, 2, 3]))).toBeNull();
    expect(supervisedPositions(new Int32Array([-1, -1]))).toBeNull();
    tf.dispose([masked.value, gathered.value, ...Object.values(masked.grads), ...Object.values(gathered.grads), x, y, supervised]);
    model.dispose();
  });
});

describe('Gpt initialisation and training', () => {
  it('is deterministic: one seed gives bit-identical weights, another seed differs', () => {
    const a = tinyModel({ depth: 2, seed: 7 });
    const b = tinyModel({ depth: 2, seed: 7 });
    const c = tinyModel({ depth: 2, seed: 8 });
    for (const [name, p] of a.params) {
      expect(Buffer.from(p.dataSync().buffer).equals(Buffer.from(b.params.get(name)!.dataSync().buffer)), name).toBe(true);
    }
    expect(a.params.get('wte')!.dataSync()).not.toEqual(c.params.get('wte')!.dataSync());
    [a, b, c].forEach((m) => m.dispose());
  });

  it('keeps the tensor count flat across forward/backward steps and frees everything on dispose', () => {
    const before = tf.memory().numTensors;
    const model = tinyModel({ depth: 2, vocab: 64, seqLen: 8 });
    const x = tokens(2, 8, 64);
    const y = tokens(2, 8, 64, 3);
    const vars = [...model.params.values()];
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => model.loss(x, y), vars);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('overfits one batch with plain Adam to loss < 0.05', () => {
    const model = tinyModel({ depth: 1, vocab: 64, seqLen: 16, seed: 3 });
    const x = tokens(2, 16, 64);
    const y = tokens(2, 16, 64, 2);
    const optimizer = tf.train.adam(1e-2);
    let loss = Infinity;
    let steps = 0;
    for (; steps < 300 && loss >= 0.05; steps++) {
      const value = optimizer.minimize(() => model.loss(x, y), true) as tf.Scalar;
      loss = value.dataSync()[0]!;
      value.dispose();
    }
    expect(loss).toBeLessThan(0.05);
    optimizer.dispose();
    model.dispose();
  });
});
