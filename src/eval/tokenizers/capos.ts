import { loadTokenizer } from '../../tokenizer/tokenizer.js';
import { CAPOS_NAME, type TokenCounter } from './token-counter.js';

/** Our trained tokenizer, as the planner will see it at run time (plain text: no control tokens). */
export function loadCaposCounter(dir: string): TokenCounter & { sha256: string; vocabSize: number } {
  const tok = loadTokenizer(dir);
  return {
    name: CAPOS_NAME,
    sha256: tok.sha256,
    vocabSize: tok.vocabSize,
    countTokens: (text) => tok.encode(text).length,
    free: () => tok.free(),
  };
}
