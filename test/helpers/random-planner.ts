import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { modelConfig } from '../../src/model/config.js';
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
    planner.model = new Gpt(modelConfig({ depth: 1, seq_len: 768 }, planner.tok.vocabSize), 5);
    scramble(planner.model, 11);
  });
  afterAll(() => planner.model.dispose());
  return planner;
}
