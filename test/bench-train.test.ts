import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { benchTrain } from '../src/train/bench-train.js';
import { runCli } from './helpers/cli.js';

const tiny = { backend: 'cpu' as const, depth: 1, vocab: 64, seq: 8, batch: 2, steps: 2, warmup: 1 };

describe('bench train', () => {
  it('runs real optimizer steps of the asked shape: tensors stay flat, everything is disposed', async () => {
    const result = await benchTrain(tiny);
    expect(result).toMatchObject({ backend: 'cpu', adapter: null, depth: 1, params: 2 * 64 * 64 + 12 * 64 * 64, tokens_per_step: 16, steps: 2 });
    expect(result.tensors_flat).toBe(true);
    // Nothing is left behind: the model and optimizer state were disposed.
    expect(tf.memory().numTensors).toBeLessThan(10);
  });

  it('chooses the device batch from the device, or takes the one given when it fits', async () => {
    expect((await benchTrain({ ...tiny, batch: 4 })).device_batch).toBe(4);
    const split = await benchTrain({ ...tiny, batch: 4, deviceBatch: 2 });
    expect(split).toMatchObject({ device_batch: 2, micro_batches: 2 });
    // At seq 64 a row's activations are ≈ 1 MB and the rest ≈ 1 MB beyond the runtime's 768 MiB: in 3.5 MB more
    // than the runtime, 4 rows do not fit, 2 do.
    const small = await benchTrain({ ...tiny, batch: 4, seq: 64, memoryLimitBytes: 768 * 1024 ** 2 + 3_500_000 });
    expect(small).toMatchObject({ device_batch: 2, micro_batches: 2, device_memory_bytes: 768 * 1024 ** 2 + 3_500_000 });
    await expect(benchTrain({ ...tiny, memoryLimitBytes: 1024 ** 2 })).rejects.toThrow(/does not fit this device even one row per micro-batch: training needs an estimated .*more than the 1\.0 MiB limit/);
  });

  it('CLI: --json prints the documented fields; bad flags and huge shapes are one-line errors', () => {
    const ok = runCli(['bench', 'train', '--depth', '1', '--vocab', '64', '--seq', '8', '--batch', '2', '--steps', '1', '--warmup', '0', '--backend', 'cpu', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const row = JSON.parse(ok.stdout) as Record<string, unknown>;
    for (const key of ['backend', 'adapter', 'depth', 'params', 'tokens_per_step', 'ms_per_step', 'tokens_per_s', 'gflops', 'peak_rss_mb', 'device_batch', 'loss']) {
      expect(row, key).toHaveProperty(key);
    }
    const huge = runCli(['bench', 'train', '--depth', '40', '--vocab', '65536', '--seq', '16384', '--batch', '64', '--backend', 'cpu']);
    expect(huge.code).toBe(1);
    expect(huge.stderr.trim().split('\n')).toHaveLength(1);
    expect(huge.stderr).toMatch(/^capplan: error: bench train: depth 40, vocab 65536, seq 16384: does not fit this device even one row per micro-batch: .* GiB/);
    const bad = runCli(['bench', 'train', '--depth', '2', '--steps', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--steps must be an integer ≥ 1, got '0'/);
  });
});
