// The lm_head + softcap + cross-entropy over row chunks, used when the [rows, V] logits would exceed the
// device's largest tensor: same loss and gradients as the whole computation, and no tensor over the limit.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { capTensorBytes, deviceErrorCount } from '../src/backend/capabilities.js';
import { initBackend } from '../src/backend/select.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { mapRowChunks, rowsPerChunk } from '../src/model/row-chunks.js';
import { benchTrain } from '../src/train/bench-train.js';
import { maxRelDiff, scramble, tinyModel, tokens } from './model-fixtures.js';

const adapter = await probeWebGpu().catch(() => null);
if (!adapter && process.env.CI) throw new Error('CI must exercise the webgpu backend, but no adapter was found');

// d_model 64, vocab 1024, 4 × 32 tokens: the logits (128 rows × 4 KiB) are 512 KiB, every other tensor of the
// step at most 256 KiB (lm_head and its gradient). A 300 KiB limit cuts the logits into 75 + 53 rows.
const LIMIT = 300 * 1024;
const shape = { depth: 1, vocab: 1024, seqLen: 32, seed: 3 };

interface Step {
  loss: number;
  tokenLosses: Float32Array;
  grads: Map<string, Float32Array>;
  /** Largest output of any kernel the step ran, in bytes. */
  largestOutput: number;
}

async function step(supervised?: number[], withBias = false): Promise<Step> {
  const model = tinyModel(shape);
  scramble(model);
  const x = tokens(4, 32, 1024);
  const y = tokens(4, 32, 1024, 1);
  const positions = supervised && tf.tensor1d(supervised, 'int32');
  const bias = withBias && supervised ? tf.randomUniform([supervised.length, 1024], -1, 1, 'float32', 7) : undefined;
  const vars = [...model.params.values()];
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
  const profile = await tf.profile(() => {
    result = tf.variableGrads(() => model.loss(x, y, positions as tf.Tensor1D | undefined, bias as tf.Tensor2D | undefined), vars);
    return [result.value, ...Object.values(result.grads)];
  });
  const { value, grads } = result!;
  const perToken = model.tokenLosses(x, y);
  const out: Step = {
    loss: (await value.data())[0]!,
    tokenLosses: (await perToken.data()) as Float32Array,
    grads: new Map(),
    largestOutput: Math.max(...profile.kernels.flatMap((k) => k.outputShapes.map((s) => 4 * s.reduce((a, b) => a * b, 1)))),
  };
  for (const [name, p] of model.params) out.grads.set(name, (await grads[p.name]!.data()) as Float32Array);
  tf.dispose([value, perToken, x, y, ...Object.values(grads), ...(positions ? [positions] : []), ...(bias ? [bias] : [])]);
  model.dispose();
  return out;
}

async function expectChunkedEqualsWhole(supervised?: number[], withBias = false): Promise<void> {
  capTensorBytes(null);
  const whole = await step(supervised, withBias);
  capTensorBytes(LIMIT);
  const chunked = await step(supervised, withBias);
  capTensorBytes(null);
  expect(Math.abs(chunked.loss - whole.loss) / whole.loss).toBeLessThan(1e-6);
  expect(maxRelDiff(chunked.tokenLosses, whole.tokenLosses, 1e-3)).toBeLessThan(1e-6);
  for (const [name, g] of whole.grads) expect(maxRelDiff(chunked.grads.get(name)!, g, 1e-3), name).toBeLessThan(1e-4);
  if (!supervised) {
    expect(whole.largestOutput).toBeGreaterThan(LIMIT);
    expect(chunked.largestOutput).toBeLessThanOrEqual(LIMIT);
  }
}

afterEach(() => capTensorBytes(null));

describe('row chunks', () => {
  it('sizes chunks to the limit and keeps one chunk without one', () => {
    expect(rowsPerChunk(128, 1024, LIMIT)).toBe(75);
    expect(rowsPerChunk(128, 1024, null)).toBe(128);
    expect(rowsPerChunk(10, 1024, 1 << 30)).toBe(10);
    expect(() => rowsPerChunk(10, 1024, 1000)).toThrow(/one row of 1024 floats exceeds/);
  });

  it('maps row-aligned tensors chunk by chunk, in order', async () => {
    await initBackend('cpu');
    const x = tf.tensor2d([[1], [2], [3], [4], [5]]);
    const ids = tf.tensor1d([10, 20, 30, 40, 50], 'int32');
    const sizes: number[] = [];
    const out = mapRowChunks([x, ids], 2, (xs, is) => {
      sizes.push(xs.shape[0]);
      return tf.add(tf.reshape(xs, [-1]), tf.cast(is, 'float32')) as tf.Tensor1D;
    });
    expect(sizes).toEqual([2, 2, 1]);
    expect(Array.from(out.dataSync())).toEqual([11, 22, 33, 44, 55]);
    tf.dispose([x, ids, out]);
  });
});

describe('chunked lm_head + softcap + cross-entropy', () => {
  it('cpu: loss, per-token losses and every gradient equal the whole computation; no kernel output over the limit', async () => {
    await initBackend('cpu');
    await expectChunkedEqualsWhole();
  });

  it('cpu: the supervised-rows path (SFT), with and without a target-restriction bias', async () => {
    await initBackend('cpu');
    const rows = Array.from({ length: 100 }, (_, i) => (i * 5) % 128).sort((a, b) => a - b);
    await expectChunkedEqualsWhole([...new Set(rows)]);
    await expectChunkedEqualsWhole([...new Set(rows)], true);
  });

  it.skipIf(!adapter)('webgpu (fused softcap + cross-entropy kernels): equal to the whole computation', async () => {
    await initBackend('webgpu');
    await expectChunkedEqualsWhole();
  });

  it.skipIf(!adapter)('webgpu: training with an artificially low tensor limit allocates no buffer over it and still learns', async () => {
    await initBackend('webgpu');
    const manager = (tf.backend() as unknown as { bufferManager: { acquireBuffer: (size: number, ...rest: unknown[]) => unknown } }).bufferManager;
    const acquire = manager.acquireBuffer;
    let largest = 0;
    manager.acquireBuffer = function (size, ...rest) {
      largest = Math.max(largest, size);
      return acquire.call(this, size, ...rest);
    };
    try {
      const run = await benchTrain({ backend: 'webgpu', depth: 1, vocab: 1024, seq: 32, batch: 4, steps: 4, warmup: 0, maxTensorBytes: LIMIT });
      expect(run.max_tensor_bytes).toBe(LIMIT);
      expect(run.device_batch).toBe(4);
      expect(run.loss.last).toBeLessThan(run.loss.first);
      expect(run.tensors_flat).toBe(true);
      expect(run.device_errors).toBe(0);
    } finally {
      manager.acquireBuffer = acquire;
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(LIMIT);
    expect(deviceErrorCount()).toBe(0);
  });
});
