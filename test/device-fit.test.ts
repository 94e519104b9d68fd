// Choosing rows per micro-batch from the chosen device's limits, and refusing what does not fit.
import { describe, expect, it } from 'vitest';
import type { DeviceCapabilities } from '../src/backend/capabilities.js';
import { UserError } from '../src/errors.js';
import { modelDims } from '../src/model/dims.js';
import { checkDeviceBatch, chooseDeviceBatch, misfit } from '../src/train/device-fit.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Mesa lavapipe's limits on the dev machine: 128 MiB per storage binding, host memory. */
const lavapipe: DeviceCapabilities = { kind: 'software', maxTensorBytes: 128 * MiB, memory: { bytes: 23.5 * GiB, source: 'host memory' }, batchesProducts: true, fusedSoftcapLoss: true };
const host = { bytes: 23.5 * GiB, origin: 'host memory' };
const d12 = modelDims(12, 32768);

describe('device batch', () => {
  it('takes the most rows that fit: d12 at T 2048 on lavapipe gets 1 row (attention scores 96 MiB per row)', () => {
    expect(chooseDeviceBatch('t', d12, 2048, 8, lavapipe, host).rows).toBe(1);
    // At T 512 the scores are 6 MiB a row and the estimate ≈ 2.9 GiB + 1.5 GiB a row: all 8 rows fit, 16 would not.
    expect(chooseDeviceBatch('t', d12, 512, 8, lavapipe, host).rows).toBe(8);
    expect(misfit(d12, 512, 16, lavapipe, host)).toMatch(/^training needs an estimated .* more than the 23\.5 GiB limit \(host memory\)$/);
    // A step of 12 rows in 8 GiB: 6 and 4 rows per micro-batch do not fit, 3 do.
    expect(chooseDeviceBatch('t', d12, 512, 12, lavapipe, { bytes: 8 * GiB, origin: 'x' }).rows).toBe(3);
    // Without limits (a device that states none, memory unknown) the whole step is one micro-batch.
    expect(chooseDeviceBatch('t', d12, 2048, 8, { kind: 'gpu', maxTensorBytes: null, memory: null, batchesProducts: true, fusedSoftcapLoss: true }, null).rows).toBe(8);
  });

  it('refuses a depth whose lm_head exceeds the largest tensor before allocating, naming the size and the limit', () => {
    const d20 = modelDims(20, 32768);
    expect(() => chooseDeviceBatch('bench gpu: d20', d20, 2048, 1, lavapipe, host)).toThrow(UserError);
    expect(() => chooseDeviceBatch('bench gpu: d20', d20, 2048, 1, lavapipe, host)).toThrow(
      /^bench gpu: d20: does not fit this device even one row per micro-batch: lm_head \[1280, 32768\] takes 160\.0 MiB, more than the device's largest tensor \(128\.0 MiB\)$/,
    );
  });

  it('refuses a device batch over the memory limit with the estimate, the limit and the device batch that fits', () => {
    const small = { bytes: 8 * GiB, origin: '--max-memory' };
    expect(() => checkDeviceBatch('configs/d12.json', d12, 1024, 4, lavapipe, small)).toThrow(
      /^configs\/d12\.json: device batch 4: training needs an estimated [\d.]+ GiB \(params .*activations .*\), more than the 8\.0 GiB limit \(--max-memory\); a device batch of \d rows? fits/,
    );
    expect(() => checkDeviceBatch('x', d12, 2048, 1, lavapipe, { bytes: GiB, origin: 'tiny' })).toThrow(/more than the 1\.0 GiB limit \(tiny\); lower the sequence length or the depth$/);
    expect(checkDeviceBatch('x', d12, 1024, 1, lavapipe, host).total).toBeGreaterThan(GiB);
  });
});
