import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { TokenTrie } from '../../src/infer/constrain/token-trie.js';
import { capTokenizerVocab } from '../../src/infer/constrain/vocab.js';
import { modelDims } from '../../src/model/dims.js';
import { Gpt } from '../../src/model/gpt.js';
import { loadTokenizer, type CapTokenizer } from '../../src/tokenizer/tokenizer.js';
import { scramble } from '../model-fixtures.js';

export interface RandomPlanner {
  tok: CapTokenizer;
  trie: TokenTrie;
  model: Gpt;
}

/**
 * A scrambled depth-1 model (context 768) with the committed tokenizer and its token trie, on the cpu
 * backend: what generation tests decode with. Created before the enclosing describe's tests, freed after.
 */
export function useRandomPlanner(): RandomPlanner {
  const planner = {} as RandomPlanner;
  beforeAll(async () => {
    await initBackend('cpu');
    planner.tok = loadTokenizer();
    planner.trie = new TokenTrie(capTokenizerVocab(planner.tok));
    planner.model = new Gpt({ dims: modelDims(1, planner.tok.vocabSize), seqLen: 768, seed: 5 });
    scramble(planner.model, 11);
  });
  afterAll(() => {
    planner.model.dispose();
    planner.tok.free();
  });
  return planner;
}
