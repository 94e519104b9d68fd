import { loadCaposCounter } from './capos.js';
import { loadHfBaselines } from './hf-baselines.js';
import { TIKTOKEN_BASELINES, loadTiktokenBaseline } from './tiktoken-baselines.js';
import type { TokenCounter } from './token-counter.js';

export interface EvalTokenizers {
  /** Ours first, then the baselines in a fixed order (the order of every table and JSON object). */
  counters: TokenCounter[];
  capos: { sha256: string; vocabSize: number };
  free(): void;
}

export async function loadEvalTokenizers(opts: { tokenizerDir: string; hfDir: string }): Promise<EvalTokenizers> {
  // The pinned baseline files are verified first: a tampered baseline fails before any work is done.
  const hf = await loadHfBaselines(opts.hfDir);
  let capos: ReturnType<typeof loadCaposCounter>;
  try {
    capos = loadCaposCounter(opts.tokenizerDir);
  } catch (err) {
    hf.forEach((c) => c.free());
    throw err;
  }
  const counters = [capos, ...TIKTOKEN_BASELINES.map(loadTiktokenBaseline), ...hf];
  return {
    counters,
    capos: { sha256: capos.sha256, vocabSize: capos.vocabSize },
    free: () => counters.splice(0).forEach((c) => c.free()),
  };
}
