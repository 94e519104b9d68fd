import { modelDims, type ModelDims } from './dims.js';

/**
 * Everything that decides a Gpt's shape and its position encoding: a model built from the same config (and
 * weights) computes the same numbers. Plain data, so it also crosses to gradient worker threads as is.
 */
export interface ModelConfig {
  readonly dims: ModelDims;
  /** Longest sequence the model is asked about; sizes the rotary tables and the causal mask. */
  readonly seqLen: number;
  /** Base of the rotary frequencies. */
  readonly ropeBase: number;
}

/** The rotary base when a config or checkpoint does not name one. */
export const DEFAULT_ROPE_BASE = 10000;

/** The `model` section of a train or SFT config, as saved in every checkpoint's meta. */
export interface ModelSection {
  depth: number;
  seq_len: number;
  rope_base?: number;
}

/** The model a config (or a checkpoint's meta) describes, for a tokenizer of `vocabSize` tokens. */
export function modelConfig(section: ModelSection, vocabSize: number): ModelConfig {
  return { dims: modelDims(section.depth, vocabSize), seqLen: section.seq_len, ropeBase: section.rope_base ?? DEFAULT_ROPE_BASE };
}
