import type { ModelDims } from '../model/dims.js';
import { paramCount, paramCountByGroup } from '../model/params.js';

/**
 * Training FLOPs per token (nanochat's estimate): 6 × the non-embedding parameters (forward 2,
 * backward 4; the embedding lookup is not a matmul) plus the attention term 12 · L · d_model · T.
 */
export function flopsPerToken(dims: ModelDims, seqLen: number): number {
  const nonEmbedding = paramCount(dims) - paramCountByGroup(dims).embedding;
  return 6 * nonEmbedding + 12 * dims.depth * dims.dModel * seqLen;
}
