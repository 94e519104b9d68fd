import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { BitsPerByte, tokenByteLengths } from '../src/train/bpb.js';
import { accumulateGradients } from '../src/train/gradients.js';
import type { Batch } from '../src/train/loader.js';
import { ModelOptimizers } from '../src/train/optim/optimizers.js';
import { memoryTokenSource } from '../src/train/token-source.js';
import { train, type TrainOptions } from '../src/train/trainer.js';
import { byteTokenizer, encodeDocs, SAMPLE_TEXTS, tempDirs, tinyConfig } from './helpers/train-fixtures.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const docs = encodeDocs(SAMPLE_TEXTS);
const data = { train: memoryTokenSource([docs.slice(0, 4), docs.slice(4)]), val: memoryTokenSource([docs.slice(0, 2)]) };

function options(runDir: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { config: tinyConfig(), tokenizer: byteTokenizer(), data, runDir, resume: false, log: () => {}, ...extra };
}

const dirs = tempDirs('train');
const tmp = dirs.make;
afterAll(dirs.removeAll);

describe('bits per byte', () => {
  it('sums nats over targets with bytes, divided by ln 2 × their bytes', () => {
    // Token byte lengths: id 0 → 1 byte, 1 → 3 bytes, 2 → special (0 bytes).
    const bpb = new BitsPerByte(Int32Array.of(1, 3, 0));
    bpb.add([Math.LN2, 3 * Math.LN2, 100, 7], [0, 1, 2, -1]);
    // (ln2 + 3 ln2) nats over 1 + 3 bytes = 1 bit per byte; the special token and the ignored one count for nothing.
    expect(bpb.value()).toBeCloseTo(1, 12);
    bpb.add([2 * Math.LN2 * 4], [1]);
    expect(bpb.value()).toBeCloseTo((4 + 8) / (4 + 3), 12);
    expect(new BitsPerByte(Int32Array.of(0)).value()).toBeNaN();
    expect(Array.from(tokenByteLengths(6, 4, (id) => new Uint8Array(id)))).toEqual([0, 1, 2, 3, 0, 0]);
  });
});

describe('optimizers on the real model', () => {
  it('overfit one batch with Muon + AdamW (loss < 0.05)', async () => {
    const cfg = tinyConfig();
    const model = new Gpt(modelConfig({ depth: 1, seq_len: 16 }, 257), 1);
    // Constant LR, and higher unembedding/matrix LRs than the pretraining defaults, to memorise fast.
    const opt = new ModelOptimizers(model, { ...cfg.optim, warmdown_ratio: 0, unembedding_lr: 0.02, matrix_lr: 0.05 });
    const text = Array.from(Buffer.from('capabilities are unforgeable references to objects'));
    const row = (o: number) => [256, ...text.slice(o, o + 16)];
    const rows = [row(0), row(16)];
    const batch: Batch = {
      inputs: Int32Array.from(rows.flatMap((r) => r.slice(0, 16))),
      targets: Int32Array.from(rows.flatMap((r) => r.slice(1))),
      rows: 2,
      seqLen: 16,
    };
    let loss = Infinity;
    let steps = 0;
    while (loss >= 0.05 && steps < 60) {
      const g = await accumulateGradients(model, [batch]);
      opt.step(g.grads, steps, 1000);
      tf.dispose([...g.grads.values()]);
      loss = g.loss;
      steps++;
    }
    expect(loss).toBeLessThan(0.05);
    opt.dispose();
    model.dispose();
  });

  it('accumulating two micro-batches equals one batch of both (mean gradient)', async () => {
    const model = new Gpt(modelConfig({ depth: 1, seq_len: 8 }, 257), 2);
    const mk = (seed: number): Batch => ({
      inputs: Int32Array.from({ length: 16 }, (_, i) => (i * 7 + seed) % 256),
      targets: Int32Array.from({ length: 16 }, (_, i) => (i * 11 + seed) % 256),
      rows: 2,
      seqLen: 8,
    });
    const [a, b] = [mk(1), mk(2)];
    const both: Batch = { inputs: Int32Array.from([...a.inputs, ...b.inputs]), targets: Int32Array.from([...a.targets, ...b.targets]), rows: 4, seqLen: 8 };
    const split = await accumulateGradients(model, [a, b]);
    const whole = await accumulateGradients(model, [both]);
    expect(split.loss).toBeCloseTo(whole.loss, 5);
    for (const [name, g] of whole.grads) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, split.grads.get(name)!))).dataSync()[0]!);
      const scale = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!);
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-3));
    }
    tf.dispose([...split.grads.values(), ...whole.grads.values()]);
    model.dispose();
  });
});

function checkpointBytes(dir: string, step: number): Buffer {
  return readFileSync(join(dir, `model_${step}.safetensors`));
}

describe('trainer', () => {
  it('writes checkpoints and a jsonl log with flat tensor counts, evaluating bpb at the end', async () => {
    const dir = tmp('train');
    const lines: string[] = [];
    const result = await train(options(dir, { maxSteps: 6, log: (l) => lines.push(l) }));
    expect(result.step).toBe(6);
    expect(result.valBpb).not.toBeNull();
    expect(result.valBpb!).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['meta_6.json', 'model_6.safetensors', 'optim_6.safetensors', 'train.jsonl']);
    const log = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // Tensor count is flat from the first step on: nothing leaks per step.
    expect(new Set(log.map((r) => r.tensors)).size).toBe(1);
    expect(log.at(-1).val_bpb).toBeCloseTo(result.valBpb!, 10);
    expect(log.at(-1).sample).toMatch(/^ab/);
    for (const r of log) expect(r.peak_rss_bytes).toBeGreaterThan(0);
    expect(lines.some((l) => /^step 6\/6 \| loss \d+\.\d{4} \| val bpb \d\.\d{4} \| .* tok\/s \| .*FLOP\/s .*\| ETA 0s$/.test(l))).toBe(true);
    const meta = JSON.parse(readFileSync(join(dir, 'meta_6.json'), 'utf8'));
    expect(meta.step).toBe(6);
    expect(meta.data_position).toEqual(expect.objectContaining({ epoch: expect.any(Number), offset: expect.any(Number) }));
    expect(meta.optimizer).toEqual({ embedding_steps: 6, unembedding_steps: 6 });
    // Loss went down from the first step.
    expect(log.at(-1).loss).toBeLessThan(log[0].loss);
  });

  it('is deterministic: one seed, identical weights; another seed, different weights', async () => {
    const [a, b, c] = [tmp('det-a'), tmp('det-b'), tmp('det-c')];
    await train(options(a, { maxSteps: 2 }));
    await train(options(b, { maxSteps: 2 }));
    await train(options(c, { maxSteps: 2, config: { ...tinyConfig(), seed: 8 } }));
    expect(checkpointBytes(a, 2).equals(checkpointBytes(b, 2))).toBe(true);
    expect(checkpointBytes(a, 2).equals(checkpointBytes(c, 2))).toBe(false);
  });

  it('resumes bit-exactly: 2K steps straight equal K steps, then --resume to 2K', async () => {
    const K = 3;
    const straight = tmp('straight');
    const split = tmp('split');
    await train(options(straight, { maxSteps: 2 * K }));
    await train(options(split, { maxSteps: 2 * K, stopAtStep: K }));
    expect(readdirSync(split)).toContain(`meta_${K}.json`);
    await train(options(split, { maxSteps: 2 * K, resume: true }));
    expect(checkpointBytes(split, 2 * K).equals(checkpointBytes(straight, 2 * K))).toBe(true);
    const optim = (d: string) => readFileSync(join(d, `optim_${2 * K}.safetensors`));
    expect(optim(split).equals(optim(straight))).toBe(true);
  });

  it('refuses to overwrite a run, and rejects a truncated or foreign checkpoint on --resume without writing', async () => {
    const dir = tmp('resume-bad');
    await train(options(dir, { maxSteps: 2 }));
    await expect(train(options(dir, { maxSteps: 2 }))).rejects.toThrow(/already holds a run .*--resume/);

    const path = join(dir, 'model_2.safetensors');
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 100));
    const before = readdirSync(dir).sort();
    await expect(train(options(dir, { maxSteps: 4, resume: true }))).rejects.toThrow(/model_2\.safetensors: not a valid safetensors file .*truncated/);

    // A checkpoint of another model (depth 2) in its place.
    const other = tmp('other');
    await train(options(other, { maxSteps: 1, config: tinyConfig({ model: { depth: 2, seq_len: 16 } }) }));
    writeFileSync(path, readFileSync(join(other, 'model_1.safetensors')));
    await expect(train(options(dir, { maxSteps: 4, resume: true }))).rejects.toThrow(/model_2\.safetensors: tensor `wte` has shape \[320,128\], expected \[320,64\]/);
    expect(readdirSync(dir).sort()).toEqual(before);

    writeFileSync(path, good);
    await expect(train(options(dir, { maxSteps: 4, resume: true, config: { ...tinyConfig(), seed: 9 } }))).rejects.toThrow(
      /config field `seed` differs/,
    );
    await expect(
      train(options(dir, { maxSteps: 4, resume: true, tokenizer: { ...byteTokenizer(), sha256: 'another-tokenizer' } })),
    ).rejects.toThrow(/trained with another tokenizer/);
    await expect(train(options(tmp('empty-run'), { resume: true }))).rejects.toThrow(/holds no checkpoint/);
  });
});
