// KV-cache decoding on the GPU code path (Dawn; Mesa lavapipe on machines without a GPU).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/select.js';
import { probeWebGpu } from '../src/backend/webgpu.js';
import { KvCacheDecoder } from '../src/infer/decoder.js';
import { scramble, tinyModel } from './model-fixtures.js';

const adapter = await probeWebGpu().catch(() => null);
if (!adapter) console.warn('webgpu KV-cache test skipped: no WebGPU adapter');

describe.skipIf(!adapter)('KV-cache decoding on webgpu', () => {
  it('gives the full-pass logits at every position after a prefill', async () => {
    await initBackend('webgpu');
    const seq = 16;
    const sequence = Array.from({ length: seq }, (_, i) => (i * 37 + 11) % 128);
    const model = tinyModel({ depth: 2, vocab: 128, seqLen: seq, seed: 3 });
    scramble(model, 7);
    const logits = model.logits(tf.tensor2d(sequence, [1, seq], 'int32'));
    const full = (await logits.data()) as Float32Array;
    logits.dispose();
    const v = model.dims.vocabSize;
    const decoder = new KvCacheDecoder(model);
    let worst = 0;
    const compare = (row: Float32Array, t: number) => {
      for (let i = 0; i < v; i++) worst = Math.max(worst, Math.abs(row[i]! - full[t * v + i]!));
    };
    compare(await decoder.feed(sequence.slice(0, 4)), 3);
    for (let t = 4; t < seq; t++) compare(await decoder.feed([sequence[t]!]), t);
    decoder.dispose();
    model.dispose();
    expect(worst).toBeLessThan(1e-4);
  });
});
