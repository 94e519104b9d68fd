import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { UserError } from '../src/errors.js';
import { modelConfig } from '../src/model/config.js';
import { Gpt } from '../src/model/gpt.js';
import { maskedLoss } from '../src/sft/evaluate.js';
import type { SftExample } from '../src/sft/examples.js';
import { accumulateGradients, microBatchLoss, type AccumulatedGradients } from '../src/train/gradients.js';
import type { Batch } from '../src/train/loader.js';
import { GradientPool } from '../src/train/parallel/gradient-pool.js';
import { parseWorkerRequest, resolveWorkerCount } from '../src/train/parallel/worker-count.js';
import { RESTRICT } from '../src/train/target-restriction.js';
import { Prng } from '../src/util/prng.js';

// Workers run compiled JavaScript: the one `npm test` builds into dist/ from these same sources.
const workerScript = new URL('../dist/train/parallel/gradient-worker.js', import.meta.url);

const seqLen = 8;
const config = modelConfig({ depth: 1, seq_len: seqLen }, 64);
const { dims } = config;

function batches(count: number, seed: number): Batch[] {
  const rng = new Prng(seed);
  const draw = () => Int32Array.from({ length: 2 * seqLen }, () => rng.int(dims.vocabSize));
  return Array.from({ length: count }, () => ({ inputs: draw(), targets: draw(), rows: 2, seqLen }));
}

async function snapshot(result: AccumulatedGradients): Promise<{ loss: number; grads: Buffer[] }> {
  const grads = [];
  for (const g of result.grads.values()) grads.push(Buffer.from(((await g.data()) as Float32Array).buffer));
  tf.dispose([...result.grads.values()]);
  return { loss: result.loss, grads };
}

/** A tiny optimizer step so each step sees new weights (the pool must send the current ones). */
function nudge(model: Gpt, result: AccumulatedGradients): void {
  tf.tidy(() => {
    for (const [name, v] of model.params) v.assign(tf.sub(v, tf.mul(result.grads.get(name)!, 0.5)));
  });
}

describe('worker count', () => {
  it('auto uses the cores on wasm and cpu, capped by the micro-batches; 1 on tensorflow and webgpu', () => {
    expect(resolveWorkerCount('auto', 'cpu', 1)).toBe(1);
    expect(resolveWorkerCount('auto', 'wasm', 64)).toBeGreaterThanOrEqual(1);
    expect(resolveWorkerCount(8, 'wasm', 3)).toBe(3);
    expect(resolveWorkerCount(2, 'cpu', 4)).toBe(2);
    expect(resolveWorkerCount('auto', 'webgpu', 16)).toBe(1);
    expect(resolveWorkerCount(1, 'tensorflow', 16)).toBe(1);
    expect(() => resolveWorkerCount(2, 'webgpu', 16)).toThrow(/--workers 2: worker threads apply to the wasm and cpu backends, not webgpu/);
  });

  it('parses --workers', () => {
    expect(parseWorkerRequest('auto')).toBe('auto');
    expect(parseWorkerRequest('3')).toBe(3);
    for (const bad of ['0', '-1', 'two', '1.5', '']) expect(() => parseWorkerRequest(bad)).toThrow(UserError);
  });
});

describe('GradientPool (cpu backend, compiled worker)', () => {
  beforeAll(async () => {
    if (!existsSync(workerScript)) throw new Error(`${workerScript.pathname} is missing: run npm run build first`);
    await initBackend('cpu');
  });

  it('gives bit-identical gradients and loss to the in-process path, step after step, with flat tensor counts', async () => {
    const serial = new Gpt(config, 3);
    const parallel = new Gpt(config, 3);
    const pool = await GradientPool.start({ backend: 'cpu', model: parallel, threads: 3, workerScript });
    try {
      expect(pool.threads).toBe(3);
      const workerTensors: number[][] = [];
      let mainTensors = 0;
      for (let step = 0; step < 2; step++) {
        // 4 micro-batches over 3 threads: the caller takes 0 and 3, worker 1 takes 1, worker 2 takes 2.
        const stepBatches = batches(4, step + 1);
        const a = await accumulateGradients(serial, stepBatches);
        const b = await accumulateGradients(parallel, stepBatches, pool);
        nudge(serial, a);
        nudge(parallel, b);
        const [sa, sb] = [await snapshot(a), await snapshot(b)];
        expect(sb.loss).toBe(sa.loss);
        sb.grads.forEach((g, i) => expect(g.equals(sa.grads[i]!), `gradient ${i} at step ${step}`).toBe(true));
        workerTensors.push(pool.workerTensors());
        if (step === 0) mainTensors = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(mainTensors);
      // Each worker holds its replica's parameters and constants, nothing more, after every step.
      const replica = parallel.params.size + 4;
      expect(workerTensors).toEqual([
        [replica, replica],
        [replica, replica],
      ]);
    } finally {
      await pool.close();
      serial.dispose();
      parallel.dispose();
    }
  });

  it('evaluates SFT losses on the idle workers too: the same float32 per batch and the same val loss to the bit', async () => {
    const rng = new Prng(4);
    const examples: SftExample[] = Array.from({ length: 20 }, () => {
      const length = 3 + rng.int(seqLen - 1);
      const mask = Uint8Array.from({ length }, (_, i) => (2 * i >= length ? 1 : 0));
      const codes = Uint8Array.from(mask, (m) => (m && rng.int(2) === 0 ? RESTRICT.notExcluded : RESTRICT.any));
      return { tokens: Int32Array.from({ length }, () => 3 + rng.int(dims.vocabSize - 3)), mask, restriction: { codes, sets: [] } };
    });
    const spec = { seqLen, rows: 2, pad: 0, excluded: Int32Array.from([1, 2]) };
    const serial = new Gpt(config, 5);
    const parallel = new Gpt(config, 5);
    const pool = await GradientPool.start({ backend: 'cpu', model: parallel, threads: 2, workerScript });
    try {
      const local = await maskedLoss(serial, examples, spec);
      expect(local).not.toBeNull();
      expect(await maskedLoss(parallel, examples, spec, pool)).toBe(local);
      // Every other batch goes to the worker, and its loss is the caller's to the bit.
      const bs = batches(4, 9);
      const remote = pool.dispatchLosses(parallel.params, bs);
      expect(remote.map((r) => r !== null)).toEqual([false, true, false, true]);
      for (const [i, r] of remote.entries()) {
        const value = microBatchLoss(serial, bs[i]!);
        if (r) expect(await r).toBe(value.dataSync()[0]);
        value.dispose();
      }
    } finally {
      await pool.close();
      serial.dispose();
      parallel.dispose();
    }
  });

  it('turns a worker failure into a one-line UserError naming the worker, and closes cleanly', async () => {
    const model = new Gpt(config, 3);
    const pool = await GradientPool.start({ backend: 'cpu', model, threads: 2, workerScript });
    try {
      // Micro-batch 1 (worker 1's) is longer than the model allows; the caller's own micro-batch 0 is fine.
      const [good, bad] = batches(2, 1);
      const failure = accumulateGradients(model, [good!, { ...bad!, rows: 1, seqLen: 2 * seqLen }], pool);
      await expect(failure).rejects.toThrow(UserError);
      await expect(failure).rejects.toThrow(/^gradient worker 1: sequence length 16 exceeds the model's seqLen 8$/);
    } finally {
      await pool.close();
      model.dispose();
    }
  });

  it('refuses to start when a worker cannot load, and leaves no thread behind', async () => {
    const model = new Gpt(config, 3);
    try {
      const missing = new URL('./no-such-worker.js', workerScript);
      await expect(GradientPool.start({ backend: 'cpu', model, threads: 2, workerScript: missing })).rejects.toThrow(
        /^gradient worker 1: Cannot find module/,
      );
    } finally {
      model.dispose();
    }
  });
});
