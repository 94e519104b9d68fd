import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import type { TokenCounter } from './token-counter.js';

/** The OpenAI encodings shipped inside the tiktoken package (no download needed). */
export const TIKTOKEN_BASELINES = ['gpt2', 'cl100k_base', 'o200k_base'] as const satisfies readonly TiktokenEncoding[];

export function loadTiktokenBaseline(encoding: TiktokenEncoding): TokenCounter {
  const enc = get_encoding(encoding);
  return {
    name: encoding,
    countTokens: (text) => enc.encode_ordinary(text).length,
    free: () => enc.free(),
  };
}
