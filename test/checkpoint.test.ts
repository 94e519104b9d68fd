import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import * as tf from '@tensorflow/tfjs';
import { META_FORMAT, saveCheckpoint, type CheckpointKind } from '../src/train/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, expectTensors, tensorsSha256, type NamedTensor } from '../src/train/safetensors.js';
import { tempDirs } from './helpers/train-fixtures.js';

const tensors = new Map<string, NamedTensor>([
  ['wte', { shape: [3, 2], data: Float32Array.of(1, -2, 3.5, 0, 1e-8, -0) }],
  ['h.0.attn.q', { shape: [2, 2], data: Float32Array.of(0.25, 0.5, 0.75, 1) }],
  ['scalar', { shape: [], data: Float32Array.of(42) }],
]);

function decodeError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes, 'x.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('safetensors', () => {
  const dirs = tempDirs('safetensors');
  afterAll(dirs.removeAll);
  it('writes the standard layout: u64 LE header length, JSON header, aligned contiguous F32 LE data', () => {
    const bytes = encodeSafetensors(tensors, { format: 'test' });
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    expect(header.__metadata__).toEqual({ format: 'test' });
    expect(header['h.0.attn.q']).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.scalar).toEqual({ dtype: 'F32', shape: [], data_offsets: [16, 20] });
    expect(header.wte).toEqual({ dtype: 'F32', shape: [3, 2], data_offsets: [20, 44] });
    expect(bytes.length).toBe(8 + n + 44);
    expect(Buffer.from(bytes).readFloatLE(8 + n + 20 + 8)).toBe(3.5);
  });

  it('round-trips names, shapes and exact values', () => {
    const decoded = decodeSafetensors(encodeSafetensors(tensors), 'x.safetensors');
    expect([...decoded.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      expect(decoded.tensors.get(name)!.shape).toEqual(t.shape);
      expect(Buffer.from(decoded.tensors.get(name)!.data.buffer)).toEqual(Buffer.from(t.data.buffer));
    }
  });

  it('rejects truncated, foreign and inconsistent files with one-line errors', () => {
    const good = encodeSafetensors(tensors);
    expect(decodeError(good.subarray(0, 5))).toMatch(/shorter than the 8-byte header/);
    expect(decodeError(good.subarray(0, 40))).toMatch(/exceeds the file size/);
    expect(decodeError(good.subarray(0, good.length - 4))).toMatch(/truncated/);
    expect(decodeError(Buffer.from('PK\x03\x04 this is a zip file, not safetensors'))).toMatch(/not a valid safetensors/);
    const badJson = Buffer.alloc(16);
    badJson.writeBigUInt64LE(8n, 0);
    badJson.write('{{{{{{{{', 8);
    expect(decodeError(badJson)).toMatch(/header is not JSON/);
    const f16 = Buffer.from(good);
    const n = Number(f16.readBigUInt64LE(0));
    const header = f16.subarray(8, 8 + n).toString('utf8').replace('"dtype":"F32"', '"dtype":"F16"');
    f16.write(header, 8);
    expect(decodeError(f16)).toMatch(/dtype F16, expected F32/);
    for (const msg of [decodeError(good.subarray(0, 40)), decodeError(f16)]) expect(msg).not.toContain('\n');
  });

  it('rejects a checkpoint of another model by name and shape', () => {
    const decoded = decodeSafetensors(encodeSafetensors(tensors), 'm.safetensors').tensors;
    const expected = new Map<string, number[]>([['wte', [3, 2]], ['h.0.attn.q', [2, 2]], ['scalar', []]]);
    expect(() => expectTensors(decoded, expected, 'm.safetensors')).not.toThrow();
    expect(() => expectTensors(decoded, new Map([...expected, ['lm_head', [2, 3]]]), 'm.safetensors')).toThrow(
      /tensor `lm_head` is missing/,
    );
    expect(() => expectTensors(decoded, new Map([...expected, ['wte', [2, 3]]]), 'm.safetensors')).toThrow(
      /tensor `wte` has shape \[3,2\], expected \[2,3\]/,
    );
    expected.delete('scalar');
    expect(() => expectTensors(decoded, expected, 'm.safetensors')).toThrow(/unexpected tensor `scalar`/);
  });

  // Python's `safetensors` package is not installable here; this reader follows its spec with numpy,
  // as an independent check of the byte layout (skipped when python3/numpy are missing).
  const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasNumpy)('is readable by an independent numpy reader of the spec', () => {
    const dir = dirs.make('numpy');
    const path = join(dir, 'm.safetensors');
    writeFileSync(path, encodeSafetensors(tensors));
    const script = [
      'import json, struct, sys, numpy as np',
      'b = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", b[:8])[0]',
      'h = json.loads(b[8:8 + n])',
      'data = b[8 + n:]',
      'out = {}',
      'for k, v in h.items():',
      '    if k == "__metadata__": continue',
      '    s, e = v["data_offsets"]',
      '    out[k] = np.frombuffer(data[s:e], dtype="<f4").reshape(v["shape"]).tolist()',
      'print(json.dumps(out, sort_keys=True))',
    ].join('\n');
    const res = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const parsed = JSON.parse(res.stdout);
    expect(parsed.wte).toEqual([[1, -2], [3.5, 0], [Math.fround(1e-8), -0]]);
    expect(parsed['h.0.attn.q']).toEqual([[0.25, 0.5], [0.75, 1]]);
    expect(parsed.scalar).toBe(42);
    expect(readFileSync(path).length).toBeGreaterThan(8);
  });
});

describe('checkpoint files say what they hold', () => {
  const dirs = tempDirs('labels');
  afterAll(dirs.removeAll);

  async function save(kind?: CheckpointKind): Promise<{ model: Buffer; optim: Buffer }> {
    const dir = dirs.make('ckpt');
    const vars = (value: number) => new Map([['w', tf.variable(tf.fill([2, 2], value))]]);
    const model = vars(1);
    const optimizer = vars(2);
    const meta = {
      format: META_FORMAT,
      step: 3,
      total_steps: 3,
      config: {},
      data_position: { epoch: 0, group: 0, doc: 0, offset: 0 },
      rng: { seed: 1, generator: 'splitmix32', derivation: 'seed, epoch, group' },
      optimizer: { embedding_steps: 3, unembedding_steps: 3 },
      metrics: {},
      tokenizer_sha256: null,
      saved_at: 'now',
    } as const;
    await saveCheckpoint(dir, model, optimizer, meta, kind);
    tf.dispose([...model.values(), ...optimizer.values()]);
    return { model: readFileSync(join(dir, 'model_3.safetensors')), optim: readFileSync(join(dir, 'optim_3.safetensors')) };
  }
  const metadata = (bytes: Buffer) => decodeSafetensors(bytes, 'f').metadata;

  it('labels base weights as before, SFT weights as SFT, and optimizer state as such', async () => {
    const base = await save();
    // Byte for byte the header every checkpoint had before the labels: recorded base weights still match.
    expect(base.model.includes('{"__metadata__":{"format":"capplan-base-checkpoint/1","step":"3"},')).toBe(true);
    expect(metadata(base.optim)).toEqual({ format: 'capplan-optimizer-state/1', of: 'capplan-base-checkpoint/1', step: '3' });
    const sft = await save('sft');
    expect(metadata(sft.model)).toEqual({ format: 'capplan-sft-checkpoint/1', step: '3' });
    expect(metadata(sft.optim)).toEqual({ format: 'capplan-optimizer-state/1', of: 'capplan-sft-checkpoint/1', step: '3' });
    // Same tensors under another label: one tensor digest, two file hashes.
    expect(tensorsSha256(sft.model, 'sft')).toBe(tensorsSha256(base.model, 'base'));
    expect(sft.model.equals(base.model)).toBe(false);
    expect(tensorsSha256(base.optim, 'optim')).not.toBe(tensorsSha256(base.model, 'base'));
  });
});
