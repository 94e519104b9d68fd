import { REFUSAL_TEXT, serializePlan } from '../src/data/actionplan.js';
import { slotIds } from '../src/infer/plan-turn.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { parseWith } from '../src/config/load.js';
import { TrainConfigSchema } from '../src/config/train-schema.js';
import { CONTROL, renderExample } from '../src/infer/chat-template.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { loadBaseCheckpoint, resolveCheckpointPath } from '../src/sft/base-checkpoint.js';
import { SftConfigSchema, type SftConfig } from '../src/sft/config.js';
import { renderExamples } from '../src/sft/examples.js';
import { IGNORE, rowsPerEpoch, SftPacker, WIDTH_ALIGN } from '../src/sft/packing.js';
import { maskedLoss } from '../src/sft/evaluate.js';
import { runSft, type SftRunOptions } from '../src/sft/run.js';
import { decodeSafetensors } from '../src/train/safetensors.js';
import { memoryTokenSource, toTokenArray } from '../src/train/token-source.js';
import { train } from '../src/train/trainer.js';
import { chatByteTokenizer, tinyPlanLines } from './sft-fixtures.js';
import { SAMPLE_TEXTS, tempDirs } from './helpers/train-fixtures.js';

const dirs = tempDirs('sft');
const tmp = dirs.make;
afterAll(dirs.removeAll);

const tok = chatByteTokenizer();
/** One fixture example (≈ 117 tokens) per row in runs; packing tests use rows that hold two. */
const SEQ = 160;
const PACK_SEQ = 320;

beforeAll(async () => {
  await initBackend('cpu');
});

function sftConfig(overrides: Record<string, unknown> = {}): SftConfig {
  return SftConfigSchema.parse({
    seq_len: SEQ,
    optim: { device_batch_size: 2, total_batch_tokens: 2 * SEQ, warmdown_ratio: 0.5 },
    steps: 4,
    eval: { every: 0, examples: 1, sample_tokens: 0 },
    log_every: 1,
    seed: 3,
    ...overrides,
  });
}

/** A 2-step depth-1 base run with the chat byte tokenizer; returns its directory. */
async function makeBase(): Promise<string> {
  const dir = tmp('base');
  const config = TrainConfigSchema.parse({
    model: { depth: 1, seq_len: 16 },
    optim: { device_batch_size: 2, total_batch_tokens: 32 },
    eval: { every: 0, tokens: 32, sample_tokens: 0 },
    seed: 5,
  });
  const docs = SAMPLE_TEXTS.map((t) => toTokenArray(tok.encode(t), tok.vocabSize));
  const data = { train: memoryTokenSource([docs]), val: memoryTokenSource([docs.slice(0, 2)]) };
  await train({ config, tokenizer: tok, data, runDir: dir, maxSteps: 2, resume: false, log: () => {} });
  return dir;
}

let baseDir = '';
beforeAll(async () => {
  baseDir = await makeBase();
});

function sftOptions(runDir: string, extra: Partial<SftRunOptions> = {}): SftRunOptions {
  const lines = tinyPlanLines(6);
  return {
    config: sftConfig(),
    base: loadBaseCheckpoint(baseDir),
    tokenizer: tok,
    splits: { train: lines, val: lines.slice(0, 4), val_unseen: tinyPlanLines(4, 50) },
    inputs: { plans_manifest_sha256: 'test' },
    runDir,
    resume: false,
    log: () => {},
    ...extra,
  };
}

describe('sft packing', () => {
  const lines = tinyPlanLines(5);
  const { examples } = renderExamples(tok, tok.vocabSize, lines, PACK_SEQ + 1);

  it('packs whole examples from <|bos|>, with targets only on the plan and <|assistant_end|>', async () => {
    const packer = new SftPacker(examples, { seqLen: PACK_SEQ, pad: tok.specialId(CONTROL.bos), seed: null, singlePass: true });
    const batch = (await packer.nextBatch(8))!;
    let counted = 0;
    let placed = 0;
    // The batch is as wide as its last counted target needs (WIDTH_ALIGN multiples); the rest is padding.
    const W = batch.seqLen;
    expect(W).toBeLessThanOrEqual(PACK_SEQ);
    expect(W === PACK_SEQ || W % WIDTH_ALIGN === 0).toBe(true);
    for (let r = 0; r < batch.rows; r++) {
      const row = batch.inputs.subarray(r * W, (r + 1) * W);
      expect(row[0]).toBe(tok.specialId(CONTROL.bos));
      // Walk the examples laid out in this row, in file order (seed null).
      let at = 0;
      while (placed < examples.length && at + examples[placed]!.tokens.length <= PACK_SEQ + 1) {
        const ex = examples[placed]!;
        for (let i = 0; i < ex.tokens.length; i++) {
          if (at + i < W) expect(row[at + i]).toBe(ex.tokens[i]);
          // Target at position p is token p + 1: counted exactly where the example's mask is 1 (all within W).
          if (at + i >= 1 && at + i - 1 < W) expect(batch.targets[r * W + at + i - 1]).toBe(ex.mask[i] ? ex.tokens[i] : IGNORE);
          else if (at + i >= 1) expect(ex.mask[i]).toBe(0);
        }
        counted += ex.mask.reduce((a, b) => a + b, 0);
        at += ex.tokens.length;
        placed += 1;
      }
      for (let p = at; p < W; p++) expect(batch.targets[r * W + p]).toBe(IGNORE);
    }
    expect(placed).toBe(examples.length);
    expect(batch.targets.filter((t) => t !== IGNORE).length).toBe(counted);
    // The loss mask covers the plan and <|assistant_end|>: the last counted target of each example is that token.
    expect(examples[0]!.tokens.at(-1)).toBe(tok.specialId(CONTROL.assistantEnd));
    expect(await packer.nextBatch(1)).toBeNull();
  });

  it('orders examples by seed and epoch, and resumes from a saved position', async () => {
    const rowsOf = async (p: SftPacker, n: number) => Array.from((await p.nextBatch(n))!.inputs);
    const a = new SftPacker(examples, { seqLen: PACK_SEQ, pad: 0, seed: 1 });
    const b = new SftPacker(examples, { seqLen: PACK_SEQ, pad: 0, seed: 1 });
    const c = new SftPacker(examples, { seqLen: PACK_SEQ, pad: 0, seed: 2 });
    const first = await rowsOf(a, 3);
    expect(await rowsOf(b, 3)).toEqual(first);
    expect(await rowsOf(c, 3)).not.toEqual(first);
    const resumed = new SftPacker(examples, { seqLen: PACK_SEQ, pad: 0, seed: 1, position: a.getPosition() });
    expect(await rowsOf(resumed, 5)).toEqual(await rowsOf(a, 5));
    expect(rowsPerEpoch(examples, PACK_SEQ, 1)).toBe(Math.ceil(examples.length / Math.floor((PACK_SEQ + 1) / examples[0]!.tokens.length)));
  });

  it('crops an example longer than one row and counts it', () => {
    const long = [{ ...lines[0]!, goal: 'x'.repeat(PACK_SEQ) }];
    const { examples: cropped, cropped: n } = renderExamples(tok, tok.vocabSize, long, PACK_SEQ + 1);
    expect(n).toBe(1);
    expect(cropped[0]!.tokens.length).toBe(PACK_SEQ + 1);
  });
});

describe('sft loss mask', () => {
  it('masked targets receive no gradient: the loss and every gradient equal those of the plan tokens alone', async () => {
    const model = new Gpt(modelConfig({ depth: 1, seq_len: SEQ }, tok.vocabSize), 11);
    // Make the zero-initialised projections non-zero so every parameter gets a gradient.
    for (const v of model.params.values()) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.02, 'float32', 3))));
    const { tokens, lossMask } = renderExample(tok, tinyPlanLines(1)[0]!.tools, 'fan 5', serializePlan({ steps: [], refusal: REFUSAL_TEXT }));
    const T = tokens.length - 1;
    const inputs = Int32Array.from(tokens.slice(0, T));
    const example = { tokens: toTokenArray(tokens, tok.vocabSize), mask: lossMask, restriction: { codes: new Uint8Array(tokens.length), sets: [] } };
    const packed = (await new SftPacker([example], { seqLen: T, pad: 0, seed: null, singlePass: true }).nextBatch(1))!;
    expect(Array.from(packed.inputs)).toEqual(Array.from(inputs.subarray(0, packed.seqLen)));
    const targets = new Int32Array(T).fill(IGNORE);
    targets.set(packed.targets);

    const vars = [...model.params.values()];
    const gradsOf = (f: () => tf.Scalar) => {
      const { value, grads } = tf.variableGrads(f, vars);
      return { value: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!) };
    };
    const x = () => tf.tensor2d(inputs, [1, T], 'int32');
    // Reference: every position's target is the true next token, weighted by the example's own mask.
    const weights = tf.tensor2d(Array.from(lossMask.slice(1)), [1, T], 'float32');
    const nextTokens = tf.tensor2d(Int32Array.from(tokens.slice(1)), [1, T], 'int32');
    const reference = gradsOf(() => tf.div(tf.sum(tf.mul(model.tokenLosses(x(), nextTokens), weights)), tf.sum(weights)) as tf.Scalar);
    const masked = gradsOf(() => model.loss(x(), tf.tensor2d(targets, [1, T], 'int32')));
    const unmasked = gradsOf(() => model.loss(x(), nextTokens));

    expect(masked.value).toBeCloseTo(reference.value, 5);
    expect(unmasked.value).not.toBeCloseTo(masked.value, 2);
    for (let i = 0; i < vars.length; i++) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(masked.grads[i]!, reference.grads[i]!))).dataSync()[0]!);
      const scale = tf.tidy(() => tf.max(tf.abs(reference.grads[i]!)).dataSync()[0]!);
      expect(scale, vars[i]!.name).toBeGreaterThan(0);
      expect(diff, vars[i]!.name).toBeLessThanOrEqual(1e-5 * scale);
      const unmaskedDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(unmasked.grads[i]!, masked.grads[i]!))).dataSync()[0]!);
      expect(unmaskedDiff, vars[i]!.name).toBeGreaterThan(1e-4 * scale);
    }
    tf.dispose([...masked.grads, ...reference.grads, ...unmasked.grads, weights, nextTokens]);
    model.dispose();
  });

  it('the val loss counts a batch whose every target counts: the mean of the model\'s token losses', async () => {
    const T = 64;
    const model = new Gpt(modelConfig({ depth: 1, seq_len: T }, tok.vocabSize), 12);
    const tokens = Int32Array.from({ length: T + 1 }, (_, i) => 3 + ((i * 7) % (tok.vocabSize - 3)));
    const example = { tokens, mask: new Uint8Array(T + 1).fill(1), restriction: { codes: new Uint8Array(T + 1), sets: [] } };
    const loss = await maskedLoss(model, [example], { seqLen: T, rows: 1, pad: 0, excluded: new Int32Array(0) });
    const reference = tf.tidy(() =>
      tf.mean(model.tokenLosses(tf.tensor2d(tokens.subarray(0, T), [1, T], 'int32'), tf.tensor2d(tokens.subarray(1), [1, T], 'int32'))).dataSync()[0]!,
    );
    expect(loss).not.toBeNull();
    expect(loss!).toBeCloseTo(reference, 4);
    model.dispose();
  });
});

describe('sft run', () => {
  it('overfits a handful of examples: the plan loss falls far below the base model’s', async () => {
    const dir = tmp('overfit');
    const lines = tinyPlanLines(4);
    const lines2: string[] = [];
    const result = await runSft(
      sftOptions(dir, {
        config: sftConfig({ steps: 20, eval: { every: 0, examples: 4, sample_tokens: 0 } }),
        splits: { train: lines, val: lines, val_unseen: lines },
        log: (l) => lines2.push(l),
      }),
    );
    expect(result.startEvals!.val_loss).toBeGreaterThan(2);
    expect(result.evals.val_loss!).toBeLessThan(0.25 * result.startEvals!.val_loss!);
    expect(lines2.some((l) => /^before training: val loss \d+\.\d{4} \| val unseen loss \d+\.\d{4}$/.test(l))).toBe(true);
    expect(lines2.some((l) => /^step 20\/20 \| loss [\d.]+ \| val loss [\d.]+ \| val unseen loss [\d.]+ \|/.test(l))).toBe(true);
    const log = readFileSync(join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log[0]).toEqual(expect.objectContaining({ step: 0, val_loss: result.startEvals!.val_loss }));
    expect(new Set(log.slice(1).map((r) => r.tensors)).size).toBe(1);
    const meta = JSON.parse(readFileSync(join(dir, 'meta_20.json'), 'utf8'));
    // What the planner reads: model shape at SFT's seq_len, tokenizer dir and hash.
    expect(meta.config.model).toEqual({ depth: 1, seq_len: SEQ, rope_base: 10000 });
    expect(meta.config.data.tokenizer_dir).toBe('tokenizer');
    expect(meta.tokenizer_sha256).toBe(tok.sha256);
    expect(meta.lineage.base_checkpoint.step).toBe(2);
    expect(meta.config.optim.matrix_lr).toBe(0.02);
  });

  it('starts from the base weights, and resumes bit-exactly', async () => {
    const K = 2;
    const straight = tmp('straight');
    const split = tmp('split');
    const first = await runSft(sftOptions(straight, { maxSteps: 2 * K }));
    await runSft(sftOptions(split, { maxSteps: 2 * K, stopAtStep: K }));
    expect(readdirSync(split)).toContain(`meta_${K}.json`);
    await runSft(sftOptions(split, { maxSteps: 2 * K, resume: true }));
    for (const file of [`model_${2 * K}.safetensors`, `optim_${2 * K}.safetensors`]) {
      expect(readFileSync(join(split, file)).equals(readFileSync(join(straight, file))), file).toBe(true);
    }
    // Another data seed gives other weights.
    const other = tmp('other');
    const second = await runSft(sftOptions(other, { maxSteps: 2 * K, config: sftConfig({ seed: 4 }) }));
    // The seed also seeds the random init, so equal losses before training mean both started from the base weights.
    expect(second.startEvals).toEqual(first.startEvals);
    const weights = (d: string) => readFileSync(join(d, `model_${2 * K}.safetensors`));
    expect(weights(other).equals(weights(straight))).toBe(false);
    // Resuming against another base checkpoint or plan set is refused.
    await expect(runSft(sftOptions(split, { maxSteps: 3 * K, resume: true, inputs: { plans_manifest_sha256: 'other' } }))).rejects.toThrow(
      /meta_4\.json: input `plans_manifest_sha256` differs/,
    );
  });

  it('asks each tool choice among the listed slots only: the slots\' lm_head columns never move toward the rest of the vocabulary', async () => {
    const lmHead = (dir: string, step: number) => {
      const file = join(dir, `model_${step}.safetensors`);
      const t = decodeSafetensors(readFileSync(file), file).tensors.get('lm_head')!;
      const vocab = t.shape[1]!;
      return (id: number) => Array.from({ length: t.shape[0]! }, (_, r) => t.data[r * vocab + id]!);
    };
    const base = lmHead(baseDir, 2);
    const dir = tmp('slots');
    await runSft(sftOptions(dir));
    const trained = lmHead(dir, 4);
    // Every fixture plan lists one tool: its slot is a choice among itself (no loss), and no other target
    // may pick a slot, so no slot column gets any gradient; the byte tokens the plans choose do.
    for (const id of slotIds(tok)) expect(trained(id), `slot column ${id}`).toEqual(base(id));
    const brace = tok.encode('{')[0]!;
    expect(trained(brace)).not.toEqual(base(brace));
  });

  it('refuses a tokenizer other than the base run’s, before training', async () => {
    const dir = tmp('tok');
    await expect(runSft(sftOptions(dir, { tokenizer: chatByteTokenizer('another') }))).rejects.toThrow(
      /meta_2\.json: the base checkpoint was trained with tokenizer chat-byte-to…, but tokenizer is another…; set tokenizer_dir/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('resolves --from as a directory (latest step) or a step file', () => {
    expect(resolveCheckpointPath(baseDir)).toEqual({ dir: baseDir, step: 2 });
    expect(resolveCheckpointPath(join(baseDir, 'model_2.safetensors'))).toEqual({ dir: baseDir, step: 2 });
    expect(() => resolveCheckpointPath(join(baseDir, 'train.jsonl'))).toThrow(/expected a checkpoint directory or a model_<step>/);
    expect(() => resolveCheckpointPath(tmp('empty'))).toThrow(/holds no checkpoint/);
  });
});

describe('sft config', () => {
  const ok = { optim: { device_batch_size: 2, total_batch_tokens: 1024 }, epochs: 1 };
  const error = (value: unknown) => {
    try {
      parseWith(SftConfigSchema, value, 'sft.json');
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };

  it('has defaults for everything but the batch and the length of the run', () => {
    const c = parseWith(SftConfigSchema, ok, 'sft.json');
    expect(c.seq_len).toBe(512);
    expect(c.data).toEqual({ dir: 'data/generated/plans', seed: 1, count: 20000 });
    expect(c.optim.matrix_lr_scale).toBe(1);
  });

  it('names the offending field', () => {
    expect(error({ ...ok, optim: { ...ok.optim, total_batch_tokens: 1000 } })).toMatch(/^sft\.json: field `optim\.total_batch_tokens`: must be a multiple/);
    expect(error({ ...ok, optim: { ...ok.optim, matrix_lr_scale: -1 } })).toMatch(/field `optim\.matrix_lr_scale`: Too small/);
    expect(error({ ...ok, steps: 10 })).toMatch(/field `epochs`: give exactly one of `epochs` and `steps`/);
    expect(error({ optim: ok.optim })).toMatch(/field `epochs`: give exactly one/);
    expect(error({ ...ok, data: { seeed: 2 } })).toMatch(/field `data`: .*seeed/);
    expect(error({ ...ok, from: 'runs/base' })).toMatch(/field `\(root\)`: .*from/);
  });

  it('every configs/sft-*.json validates', () => {
    const names = readdirSync('configs').filter((n) => /^sft-.*\.json$/.test(n));
    expect(names).toEqual(expect.arrayContaining(['sft-d2.json', 'sft-d4.json', 'sft-d12.json']));
    for (const name of names) parseWith(SftConfigSchema, JSON.parse(readFileSync(join('configs', name), 'utf8')), name);
  });
});
