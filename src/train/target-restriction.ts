/**
 * A per-target restriction of the softmax the loss takes (SFT, see sft/examples.ts): disallowed tokens
 * get a logit bias so low that exp() of it is exactly 0 in float32, so they take no probability mass
 * and their lm_head columns get exactly no gradient from that target.
 */
export interface TargetRestriction {
  /** Per target (same layout as Batch.targets): 0 whole vocabulary, 1 all but `excluded`, k ≥ 2 only `sets[k − 2]`. */
  codes: Int32Array;
  sets: Int32Array[];
  excluded: Int32Array;
}

export const RESTRICT = { any: 0, notExcluded: 1, firstSet: 2 } as const;

/** Softcapped logits lie in ±15; 15 − 1e4 underflows exp() to 0. */
const EXCLUDED = -1e4;

/** The additive logit bias [positions.length, vocab] (row-major) of the targets at `positions`. */
export function restrictionBias(r: TargetRestriction, positions: Int32Array, vocab: number): Float32Array {
  const notExcluded = new Float32Array(vocab);
  for (const t of r.excluded) notExcluded[t] = EXCLUDED;
  const bias = new Float32Array(positions.length * vocab);
  positions.forEach((p, row) => {
    const code = r.codes[p]!;
    if (code === RESTRICT.notExcluded) bias.set(notExcluded, row * vocab);
    else if (code >= RESTRICT.firstSet) {
      const out = bias.subarray(row * vocab, (row + 1) * vocab).fill(EXCLUDED);
      for (const t of r.sets[code - RESTRICT.firstSet]!) out[t] = 0;
    }
  });
  return bias;
}
