/**
 * Model shapes as a function of depth, the one dial (DESIGN.md "Model"). Pure arithmetic: nothing here
 * allocates tensors, so `capplan model info` can describe d26 on any machine.
 */
export interface ModelDims {
  depth: number;
  dModel: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  /** Hidden width of the MLP (4 × dModel). */
  mlpDim: number;
  /** Vocabulary size padded up to a multiple of 64. */
  vocabSize: number;
}

/** Token vocabularies are padded to this multiple so the lm_head matmul has friendly shapes. */
export const VOCAB_MULTIPLE = 64;
/** Width per layer of depth before rounding to whole heads. */
export const WIDTH_PER_LAYER = 64;

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

export function padVocab(vocabSize: number): number {
  return roundUp(vocabSize, VOCAB_MULTIPLE);
}

/** model_dim = round_up(64·depth, head_dim) with head_dim 128 once the raw width reaches 768, else 64. */
export function modelDims(depth: number, vocabSize: number): ModelDims {
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be a positive integer, got ${depth}`);
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`vocab size must be a positive integer, got ${vocabSize}`);
  }
  const rawWidth = WIDTH_PER_LAYER * depth;
  const headDim = rawWidth >= 768 ? 128 : 64;
  const dModel = roundUp(rawWidth, headDim);
  const nHead = dModel / headDim;
  return { depth, dModel, nHead, nKvHead: nHead, headDim, mlpDim: 4 * dModel, vocabSize: padVocab(vocabSize) };
}
