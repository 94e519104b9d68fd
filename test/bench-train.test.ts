import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { benchTrain, checkBenchMemory } from '../src/train/bench-train.js';
import { UserError } from '../src/errors.js';
import { runCli } from './helpers/cli.js';

const tiny = { backend: 'cpu' as const, depth: 1, vocab: 64, seq: 8, batch: 2, steps: 2, warmup: 1 };

describe('bench train', () => {
  it('times real optimizer steps: tensors stay flat, the numbers are consistent, everything is disposed', async () => {
    const result = await benchTrain(tiny);
    expect(result).toMatchObject({ backend: 'cpu', adapter: null, depth: 1, params: 2 * 64 * 64 + 12 * 64 * 64, tokens_per_step: 16, steps: 2 });
    expect(result.tensors_flat).toBe(true);
    expect(result.ms_per_step).toBeGreaterThan(0);
    expect(result.tokens_per_s).toBeCloseTo((16 / result.ms_per_step) * 1000, -1);
    expect(result.split_ms.gradients + result.split_ms.optimizer).toBeCloseTo(result.ms_per_step, 0);
    expect(result.peak_rss_mb).toBeGreaterThan(10);
    // Nothing is left behind: the model and optimizer state were disposed.
    expect(tf.memory().numTensors).toBeLessThan(10);
  });

  it('refuses a shape that does not fit memory, with the estimate', () => {
    expect(() => checkBenchMemory({ ...tiny, depth: 32, vocab: 65536, seq: 8192, batch: 64 })).toThrow(UserError);
    expect(() => checkBenchMemory({ ...tiny, memoryLimitBytes: 1024 ** 2 })).toThrow(/needs about .*params .*activations .*more than the 0\.0 GiB available; lower --batch/);
    expect(() => checkBenchMemory(tiny)).not.toThrow();
  });

  it('CLI: --json prints the documented fields; bad flags and huge shapes are one-line errors', () => {
    const ok = runCli(['bench', 'train', '--depth', '1', '--vocab', '64', '--seq', '8', '--batch', '2', '--steps', '1', '--warmup', '0', '--backend', 'cpu', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const row = JSON.parse(ok.stdout) as Record<string, unknown>;
    for (const key of ['backend', 'adapter', 'depth', 'params', 'tokens_per_step', 'ms_per_step', 'tokens_per_s', 'gflops', 'peak_rss_mb']) {
      expect(row, key).toHaveProperty(key);
    }
    const huge = runCli(['bench', 'train', '--depth', '40', '--vocab', '65536', '--seq', '16384', '--batch', '64']);
    expect(huge.code).toBe(1);
    expect(huge.stderr.trim().split('\n')).toHaveLength(1);
    expect(huge.stderr).toMatch(/^capplan: error: bench train: depth 40, .* needs about .* GiB/);
    const bad = runCli(['bench', 'train', '--depth', '2', '--steps', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--steps must be an integer ≥ 1, got '0'/);
  });
});
