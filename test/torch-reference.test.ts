// capplan's model against an independent implementation: ../shared/reference/torch_gpt.py (PyTorch),
// loaded with capplan's own checkpoint files, compared on logits (the committed planner on a real prompt)
// and on loss and gradients (a tiny scrambled model), as llm.c's test_gpt2 does against PyTorch.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { REPO_ROOT } from '../src/data/paths.js';
import { modelConfig } from '../src/model/config.js';
import { modelDims } from '../src/model/dims.js';
import { Gpt } from '../src/model/gpt.js';
import { loadTokenizer } from '../src/tokenizer/tokenizer.js';
import { checkpointSteps, metaFile, modelFile, restoreVariables } from '../src/train/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../src/train/safetensors.js';
import { tempDirs } from './helpers/train-fixtures.js';
import { scramble, tinyModel, tokens } from './model-fixtures.js';

const PYTHON = '/usr/bin/python3';
const REFERENCE_DIR = join(REPO_ROOT, '..', 'shared', 'reference');
const SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'torch', 'reference_check.py');
const DEFAULT_CHECKPOINT = join(REPO_ROOT, 'checkpoints', 'default');

const missing = !existsSync(join(REFERENCE_DIR, 'torch_gpt.py'))
  ? `${REFERENCE_DIR}/torch_gpt.py is absent`
  : spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0
    ? `PyTorch is not installed for ${PYTHON} (apt-get install -y python3-torch libopenblas0-pthread)`
    : null;
if (missing) console.warn(`torch-reference tests skipped: ${missing}`);
// CI installs PyTorch (.ci/install-deps.sh) precisely so that this comparison runs on every submission.
if (missing && process.env.CI) throw new Error(`CI must compare with the PyTorch reference, but ${missing}`);

const dirs = tempDirs('torch');
afterAll(dirs.removeAll);
beforeAll(async () => {
  await initBackend('cpu');
});

/** Runs the reference on `weights` (a safetensors file of capplan tensors) and returns what it wrote. */
function reference(weights: string, request: Record<string, unknown>): Map<string, NamedTensor> {
  const dir = dirs.make('run');
  const requestPath = join(dir, 'request.json');
  const out = join(dir, 'out.safetensors');
  writeFileSync(requestPath, JSON.stringify(request));
  const res = spawnSync(PYTHON, [SCRIPT, REFERENCE_DIR, weights, requestPath, out], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`reference_check.py failed:\n${res.stderr}`);
  return decodeSafetensors(readFileSync(out), out).tensors;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe.skipIf(missing !== null)('capplan GPT vs the PyTorch reference (torch_gpt.py)', () => {
  it('gives the committed planner the same logits on a real prompt (within 1e-4)', () => {
    const step = checkpointSteps(DEFAULT_CHECKPOINT).at(-1)!;
    const meta = JSON.parse(readFileSync(join(DEFAULT_CHECKPOINT, metaFile(step)), 'utf8')) as { config: { model: { depth: number; rope_base: number } } };
    expect(meta.config.model.rope_base).toBe(10000); // torch_gpt.py's rotary base
    const weightsPath = join(DEFAULT_CHECKPOINT, modelFile(step));
    const tokenizer = loadTokenizer();
    const descriptor = '{"name":"NetworkStack.info","description":"Report interface state and whether the stack has failed.","params":{}}';
    const ids = [tokenizer.specialId('<|bos|>'), ...tokenizer.encode(`${descriptor}\nIs the network up? Check it, then restart networking if it has failed.`)];
    const vocab = tokenizer.vocabSize;
    tokenizer.free();

    const depth = meta.config.model.depth;
    const model = new Gpt(modelConfig({ depth, seq_len: ids.length }, vocab), 0);
    restoreVariables(model.params, decodeSafetensors(readFileSync(weightsPath), weightsPath).tensors);
    const logits = tf.tidy(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync() as Float32Array);
    model.dispose();

    const torch = reference(weightsPath, { mode: 'logits', depth, vocab, seq: ids.length, ids: [ids] }).get('logits')!;
    expect(torch.shape).toEqual([ids.length, modelDims(depth, vocab).vocabSize]);
    expect(maxAbs(logits)).toBeGreaterThan(1); // a trained model, not near-zero logits that would match anything
    expect(maxAbsDiff(logits, torch.data)).toBeLessThan(1e-4);
  });

  it('gives a tiny scrambled model the same loss (1e-5 relative) and gradients (each within 1e-5 of its largest entry)', () => {
    const [depth, vocab, seq] = [2, 257, 16];
    const model = tinyModel({ depth, vocab, seqLen: seq, seed: 7 });
    scramble(model); // no zero projections: every weight gets a gradient
    const inputs = tokens(2, seq, vocab);
    const targets = tokens(2, seq, vocab, 1);
    const { value, grads } = tf.variableGrads(() => model.loss(inputs, targets), [...model.params.values()]);
    const loss = value.dataSync()[0]!;
    const weights = join(dirs.make('weights'), 'tiny.safetensors');
    const named = new Map([...model.params].map(([name, p]) => [name, { shape: [...p.shape], data: p.dataSync() as Float32Array }]));
    writeFileSync(weights, encodeSafetensors(named));

    const torch = reference(weights, { mode: 'grads', depth, vocab, seq, ids: inputs.arraySync(), targets: targets.arraySync() });
    expect(Math.abs(loss - torch.get('loss')!.data[0]!) / loss).toBeLessThan(1e-5);
    for (const [name, p] of model.params) {
      const ours = grads[p.name]!.dataSync();
      const theirs = torch.get(name)!.data;
      expect(maxAbs(theirs), name).toBeGreaterThan(0);
      expect(maxAbsDiff(ours, theirs) / maxAbs(theirs), name).toBeLessThan(1e-5);
    }
    tf.dispose([value, inputs, targets, ...Object.values(grads)]);
    model.dispose();
  });
});
