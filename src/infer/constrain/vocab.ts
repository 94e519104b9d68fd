import { get_encoding } from 'tiktoken';
import type { CapTokenizer } from '../../tokenizer/tokenizer.js';
import type { ConstraintVocab } from './token-trie.js';

/** The planner's vocabulary: a plan ends with `<|assistant_end|>` (DESIGN.md, chat template). */
export function capTokenizerVocab(tokenizer: CapTokenizer): ConstraintVocab {
  return {
    vocabSize: tokenizer.vocabSize,
    tokenBytes: (id) => tokenizer.tokenBytes(id),
    endId: tokenizer.specialId('<|assistant_end|>'),
    isSpecial: (id) => tokenizer.isSpecial(id),
  };
}

/**
 * GPT-2's 50k-token vocabulary through tiktoken, `<|endoftext|>` as the end token: a larger, foreign
 * vocabulary for tests and benchmarks of the mask.
 */
export function gpt2Vocab(): ConstraintVocab {
  const enc = get_encoding('gpt2');
  const endId = enc.encode('<|endoftext|>', 'all')[0]!;
  const bytes = Array.from({ length: endId }, (_, id) => enc.decode_single_token_bytes(id));
  enc.free();
  return { vocabSize: endId + 1, tokenBytes: (id) => bytes[id]!, endId };
}
