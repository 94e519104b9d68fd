import * as tf from '@tensorflow/tfjs';
import type { Gpt, LayerKv } from '../model/gpt.js';

/**
 * Next-token logits for a growing sequence: `feed` appends tokens (a whole prompt or one generated
 * token) and returns the logits row [V] after the last of them.
 */
export interface Decoder {
  /** Tokens fed so far. */
  readonly length: number;
  /** Most tokens it can hold (the model's context). */
  readonly capacity: number;
  feed(tokens: readonly number[]): Promise<Float32Array>;
  dispose(): void;
}

function checkFits(model: Gpt, used: number, adding: number): void {
  if (adding === 0) throw new RangeError('feed needs at least one token');
  if (used + adding > model.seqLen) throw new RangeError(`sequence of ${used + adding} tokens exceeds the model's context of ${model.seqLen}`);
}

/**
 * KV-cache decoding: the prompt runs in one pass, then each token attends to the cached keys and
 * values of all earlier positions, so a step costs O(T) instead of a whole O(T²) forward pass.
 * Holds one set of per-layer tensors at a time; dispose() frees them.
 */
export class KvCacheDecoder implements Decoder {
  private kv: LayerKv[] | null = null;
  private used = 0;

  constructor(private readonly model: Gpt) {}

  get length(): number {
    return this.used;
  }

  get capacity(): number {
    return this.model.seqLen;
  }

  async feed(tokens: readonly number[]): Promise<Float32Array> {
    checkFits(this.model, this.used, tokens.length);
    const input = tf.tensor2d([...tokens], [1, tokens.length], 'int32');
    const { logits, kv } = this.model.decodeStep(input, this.kv);
    input.dispose();
    this.disposeCache();
    this.kv = kv;
    this.used += tokens.length;
    const row = (await logits.data()) as Float32Array;
    logits.dispose();
    return row;
  }

  private disposeCache(): void {
    if (this.kv) tf.dispose(this.kv.flatMap((layer) => [layer.k, layer.v]));
    this.kv = null;
  }

  dispose(): void {
    this.disposeCache();
    this.used = 0;
  }
}

/** The baseline without a cache: every step re-runs the whole sequence (for benchmarks and tests). */
export class FullPassDecoder implements Decoder {
  private readonly tokens: number[] = [];

  constructor(private readonly model: Gpt) {}

  get length(): number {
    return this.tokens.length;
  }

  get capacity(): number {
    return this.model.seqLen;
  }

  async feed(tokens: readonly number[]): Promise<Float32Array> {
    checkFits(this.model, this.tokens.length, tokens.length);
    this.tokens.push(...tokens);
    const input = tf.tensor2d(this.tokens, [1, this.tokens.length], 'int32');
    const logits = this.model.lastLogits(input);
    input.dispose();
    const row = (await logits.data()) as Float32Array;
    logits.dispose();
    return row;
  }

  dispose(): void {
    this.tokens.length = 0;
  }
}
