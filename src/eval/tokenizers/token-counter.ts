/**
 * The one thing tokenizer evaluation needs from a tokenizer: how many tokens a plain text costs.
 * Counts never include special tokens (no BOS/EOS insertion), so every tokenizer is charged for
 * exactly the same bytes.
 */
export interface TokenCounter {
  readonly name: string;
  countTokens(text: string): number;
  /** Releases native (WASM) memory; the counter must not be used afterwards. */
  free(): void;
}

/** Our tokenizer's name in every table and JSON object. */
export const CAPOS_NAME = 'capos';
