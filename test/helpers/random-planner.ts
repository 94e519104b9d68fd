import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { modelDims } from '../../src/model/dims.js';
import { Gpt } from '../../src/model/gpt.js';
import { scramble } from '../model-fixtures.js';
import { usePlannerVocab, type PlannerVocab } from './planner-vocab.js';

export interface RandomPlanner extends PlannerVocab {
  model: Gpt;
}

/**
 * A scrambled depth-1 model (context 768) with the committed tokenizer and its token trie, on the cpu
 * backend: what generation tests decode with. Created before the enclosing describe's tests, freed after.
 */
export function useRandomPlanner(): RandomPlanner {
  const vocab = usePlannerVocab();
  const planner = {} as RandomPlanner;
  beforeAll(async () => {
    await initBackend('cpu');
    planner.tok = vocab.tok;
    planner.trie = vocab.trie;
    planner.model = new Gpt({ dims: modelDims(1, planner.tok.vocabSize), seqLen: 768, seed: 5 });
    scramble(planner.model, 11);
  });
  afterAll(() => planner.model.dispose());
  return planner;
}
