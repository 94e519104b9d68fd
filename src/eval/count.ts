import type { TokenCounter } from './tokenizers/token-counter.js';

export interface TokenizerCount {
  tokens: number;
  bytes_per_token: number;
}

/** The `tok compare` result, also one text class of `tok eval`. */
export interface TextCount {
  documents: number;
  bytes: number;
  tokenizers: Record<string, TokenizerCount>;
}

/** Counts each document separately (no concatenation, so no merges across document boundaries). */
export function countTexts(texts: readonly string[], counters: readonly TokenCounter[]): TextCount {
  const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8'), 0);
  const tokenizers: Record<string, TokenizerCount> = {};
  for (const counter of counters) {
    const tokens = texts.reduce((sum, t) => sum + counter.countTokens(t), 0);
    tokenizers[counter.name] = { tokens, bytes_per_token: tokens === 0 ? 0 : round(bytes / tokens, 4) };
  }
  return { documents: texts.length, bytes, tokenizers };
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
