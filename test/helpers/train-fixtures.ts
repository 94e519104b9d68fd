import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainConfig } from '../../src/config/train-schema.js';
import { TrainConfigSchema } from '../../src/config/train-schema.js';
import type { TrainTokenizer } from '../../src/train/token-source.js';
import { writeParquet } from './parquet-writer.js';
import { toTokenArray, type TokenArray } from '../../src/train/token-source.js';

/**
 * A stand-in byte-level tokenizer for trainer tests: ids 0–255 are bytes, 256 is <|bos|> (0 bytes).
 * Small vocabulary (padded to 320 by the model), so tiny models train in milliseconds per step.
 */
export function byteTokenizer(): TrainTokenizer {
  return {
    vocabSize: 257,
    encode: (text) => Array.from(Buffer.from(text, 'utf8')),
    decode: (ids) => Buffer.from(ids.filter((i) => i < 256)).toString('utf8'),
    tokenBytes: (id) => (id < 256 ? Uint8Array.of(id) : new Uint8Array(0)),
    specialId: (name) => {
      if (name !== '<|bos|>') throw new Error(`no special token ${name}`);
      return 256;
    },
    sha256: 'byte-tokenizer',
  };
}

export function encodeDocs(texts: readonly string[]): TokenArray[] {
  const tok = byteTokenizer();
  return texts.map((t) => toTokenArray(tok.encode(t), tok.vocabSize));
}

/** A depth-1 config small enough for many steps per second on the cpu backend. */
export function tinyConfig(overrides: Partial<Record<string, unknown>> = {}): TrainConfig {
  return TrainConfigSchema.parse({
    model: { depth: 1, seq_len: 16 },
    optim: { device_batch_size: 2, total_batch_tokens: 64, warmdown_ratio: 0.5 },
    eval: { every: 0, tokens: 64, sample_tokens: 4, sample_prompt: 'ab' },
    log_every: 1,
    seed: 7,
    ...overrides,
  });
}

export const SAMPLE_TEXTS = [
  'struct Person { name @0 :Text; email @1 :Text; }',
  'interface Calculator { evaluate @0 (expression :Expression) -> (value :Value); }',
  'The quick brown fox jumps over the lazy dog. '.repeat(3),
  'Call me Ishmael. Some years ago, never mind how long precisely.',
  'capabilities are unforgeable references',
  'enum Color { red @0; green @1; blue @2; }',
];

/** Temp directories of one test file; call `removeAll` in afterAll so runs leave nothing in /tmp. */
export function tempDirs(prefix: string): { make(name: string): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make(name) {
      const dir = mkdtempSync(join(tmpdir(), `capplan-${prefix}-${name}-`));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/**
 * A depth-1 `base train` config (committed tokenizer) reading two tiny parquet shards of SAMPLE_TEXTS,
 * so no corpus is tokenized: both are written into `dir`; returns the config's path.
 */
export function tinyParquetBaseConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const shards = join(dir, 'parquet');
  mkdirSync(shards);
  writeFileSync(join(shards, 'a.parquet'), writeParquet({ text: SAMPLE_TEXTS.slice(0, 4) }));
  writeFileSync(join(shards, 'b.parquet'), writeParquet({ text: SAMPLE_TEXTS.slice(4) }));
  return writeJson(join(dir, 'base.json'), {
    model: { depth: 1, seq_len: 16 },
    data: { parquet_dir: shards, tokenizer_dir: 'tokenizer' },
    optim: { device_batch_size: 2, total_batch_tokens: 32 },
    eval: { every: 0, tokens: 32, sample_tokens: 0 },
    ...extra,
  });
}

/** An SFT config (2 steps unless overridden) for the plan set `capplan data plans --seed 3 --count 6` wrote to `plans`. */
export function tinySftConfig(path: string, plans: string, over: Record<string, unknown> = {}): string {
  return writeJson(path, {
    seq_len: 256,
    data: { dir: plans, seed: 3, count: 6 },
    optim: { device_batch_size: 1, total_batch_tokens: 256 },
    steps: 2,
    eval: { every: 0, examples: 2, sample_tokens: 4 },
    log_every: 1,
    ...over,
  });
}
