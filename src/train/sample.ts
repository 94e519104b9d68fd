import * as tf from '@tensorflow/tfjs';

export interface LogitsModel {
  logits(tokens: tf.Tensor2D): tf.Tensor3D;
}

/**
 * Greedy continuation of `prompt` by `count` tokens (no KV cache: the whole window is re-run per
 * token, which is fine for a short progress sample). Only ids below `vocabLimit` (the tokenizer's
 * real vocabulary, not the padding) can be chosen.
 */
export async function greedyContinue(
  model: LogitsModel,
  prompt: readonly number[],
  count: number,
  seqLen: number,
  vocabLimit: number,
): Promise<number[]> {
  const tokens = [...prompt];
  for (let i = 0; i < count; i++) {
    const window = tokens.slice(-seqLen);
    const next = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d(window, [1, window.length], 'int32'));
      return tf.slice(logits, [0, window.length - 1, 0], [1, 1, vocabLimit]).argMax(-1);
    });
    tokens.push((await next.data())[0]!);
    next.dispose();
  }
  return tokens.slice(prompt.length);
}
