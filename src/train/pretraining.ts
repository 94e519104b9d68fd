import type { TrainConfig } from '../config/train-schema.js';
import type { ModelDims } from '../model/dims.js';
import { paramCount } from '../model/params.js';
import { tokenByteLengths } from './bpb.js';
import { validationBpb } from './evaluate.js';
import { PackedLoader } from './loader.js';
import { greedyContinue } from './sample.js';
import type { TrainingStage } from './stage.js';
import type { TokenSource, TrainTokenizer } from './token-source.js';

export const BOS = '<|bos|>';

/** Steps needed to see target_param_data_ratio × params tokens at total_batch_tokens per step. */
export function budgetSteps(config: TrainConfig, dims: ModelDims): number {
  return Math.max(1, Math.ceil((config.optim.target_param_data_ratio * paramCount(dims)) / config.optim.total_batch_tokens));
}

/**
 * Base pretraining: BOS-aligned packed documents in a seeded order, validation bits per byte, and a
 * greedy continuation of the configured prompt as the sample.
 */
export function pretrainingStage(
  config: TrainConfig,
  tokenizer: TrainTokenizer,
  data: { train: TokenSource; val: TokenSource },
  dims: ModelDims,
): TrainingStage {
  const seqLen = config.model.seq_len;
  const bos = tokenizer.specialId(BOS);
  const byteLengths = tokenByteLengths(dims.vocabSize, tokenizer.vocabSize, (id) => tokenizer.tokenBytes(id));
  return {
    name: 'base train',
    checkpointKind: 'base',
    defaultSteps: budgetSteps(config, dims),
    openTrain: (position) => new PackedLoader(data.train, { seqLen, bos, seed: config.seed, position }),
    evaluate: async (model) => ({
      val_bpb: await validationBpb(model, data.val, {
        seqLen,
        rows: config.optim.device_batch_size,
        bos,
        tokens: config.eval.tokens,
        tokenBytes: byteLengths,
      }),
    }),
    sample: async (model) => {
      if (config.eval.sample_tokens === 0) return null;
      const prompt = [bos, ...tokenizer.encode(config.eval.sample_prompt)].slice(0, seqLen);
      const ids = await greedyContinue(model, prompt, config.eval.sample_tokens, seqLen, tokenizer.vocabSize);
      return config.eval.sample_prompt + tokenizer.decode(ids);
    },
  };
}
