import { Prng } from '../util/prng.js';

/** How the next token is picked from a logits row. temperature 0 is greedy (seed and topK unused). */
export interface SamplingOptions {
  temperature: number;
  /** Sample among the k most likely tokens only; 0 = all. */
  topK: number;
  seed: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topK: 0, seed: 0 };

/** Id of the largest finite logit (the lowest id on ties); -1 when every logit is -Infinity. */
export function argmax(row: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i]! > bestValue) {
      bestValue = row[i]!;
      best = i;
    }
  }
  return best;
}

/** log Σ exp(row), over its finite entries; -Infinity when there are none. */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of row) if (v > -Infinity) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** Ids with a finite logit, most likely first (ties: lower id first), at most k of them (0 = all). */
function candidates(row: Float32Array, k: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < row.length; i++) if (row[i]! > -Infinity) ids.push(i);
  if (k === 0 || ids.length <= k) return ids;
  ids.sort((a, b) => row[b]! - row[a]! || a - b);
  return ids.slice(0, k);
}

/**
 * Picks tokens greedily or by temperature/top-k sampling from its own seeded generator, so the same
 * seed, logits and options always give the same tokens (no Math.random). Masked ids (-Infinity, e.g.
 * by a plan constraint) are never picked.
 */
export class TokenPicker {
  private readonly rng: Prng;

  constructor(readonly options: SamplingOptions) {
    const { temperature, topK } = options;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a finite number ≥ 0, got ${temperature}`);
    if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`top-k must be an integer ≥ 0, got ${topK}`);
    this.rng = new Prng(options.seed);
  }

  pick(row: Float32Array): number {
    if (this.options.temperature === 0) return argmax(row);
    const ids = candidates(row, this.options.topK);
    if (ids.length === 0) return -1;
    // Softmax in float64 relative to the largest logit, so exp never overflows.
    const max = Math.max(...ids.map((i) => row[i]!));
    const weights = ids.map((i) => Math.exp((row[i]! - max) / this.options.temperature));
    const total = weights.reduce((a, b) => a + b, 0);
    let u = (this.rng.nextU32() / 0x100000000) * total;
    for (let j = 0; j < ids.length; j++) {
      u -= weights[j]!;
      if (u < 0) return ids[j]!;
    }
    return ids[ids.length - 1]!;
  }
}
