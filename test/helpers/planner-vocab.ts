import { afterAll, beforeAll } from 'vitest';
import { TokenTrie } from '../../src/infer/constrain/token-trie.js';
import { capTokenizerVocab } from '../../src/infer/constrain/vocab.js';
import { loadTokenizer, type CapTokenizer } from '../../src/tokenizer/tokenizer.js';

export interface PlannerVocab {
  tok: CapTokenizer;
  trie: TokenTrie;
}

/** The committed tokenizer and its token trie, loaded before the enclosing describe's tests and freed after. */
export function usePlannerVocab(): PlannerVocab {
  const vocab = {} as PlannerVocab;
  beforeAll(() => {
    vocab.tok = loadTokenizer();
    vocab.trie = new TokenTrie(capTokenizerVocab(vocab.tok));
  });
  afterAll(() => vocab.tok.free());
  return vocab;
}
