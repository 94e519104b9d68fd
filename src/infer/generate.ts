import { maskLogits } from './constrain/mask-logits.js';
import type { PlanConstraint } from './constrain/plan-constraint.js';
import type { Decoder } from './decoder.js';
import type { GoalCopyBias } from './goal-copy.js';
import type { TokenPicker } from './sampling.js';

export interface GenerateOptions {
  /** Stop after this many generated tokens (not counting the end token). */
  maxTokens: number;
  /** The end-of-turn token: generation stops when it is picked; it is not part of the output. */
  endId: number;
  /** Ids at or above this (the padding of the model's vocabulary) are never picked. */
  vocabLimit: number;
  picker: TokenPicker;
  /** When given, only tokens that keep the output a valid plan prefix are allowed (and it ends the plan). */
  constraint?: PlanConstraint | null;
  /** With a constraint: a prior toward copying argument text from the goal. */
  copyBias?: GoalCopyBias | null;
}

export interface Generation {
  /** Generated ids, without the end token. */
  tokens: number[];
  /** True when the end token was picked (false: stopped by maxTokens or the context). */
  ended: boolean;
  /** Wall time of the prompt pass, of the later model steps, and of computing masks, in ms. */
  prefillMs: number;
  decodeMs: number;
  maskMs: number;
}

/**
 * Feeds the prompt, then picks one token at a time until the end token, `maxTokens` or the end of the
 * model's context. With a constraint, the mask of allowed tokens is applied to each logits row before
 * picking, so the output is always a prefix of a valid plan; and as the mask also keeps the plan
 * completable within the picks left, it always ends with a whole plan.
 */
export async function generate(decoder: Decoder, prompt: readonly number[], opts: GenerateOptions): Promise<Generation> {
  const { constraint, picker } = opts;
  const tokens: number[] = [];
  // Picks left, the end token included: a non-end pick stops the loop once maxTokens are taken, and
  // the context holds every pick but the end token, which is never fed.
  const picksLeft = (): number => Math.min(opts.maxTokens - tokens.length, decoder.capacity - decoder.length + 1);
  const firstPicks = Math.min(opts.maxTokens, decoder.capacity - decoder.length - prompt.length + 1);
  if (constraint && constraint.minTokensToEnd() > firstPicks) {
    throw new RangeError(`the plan may need ${constraint.minTokensToEnd()} more tokens, but only ${firstPicks} fit after the prompt`);
  }
  let t0 = performance.now();
  let row = await decoder.feed(prompt);
  const prefillMs = performance.now() - t0;
  let decodeMs = 0;
  let maskMs = 0;
  for (;;) {
    row.fill(-Infinity, opts.vocabLimit);
    if (constraint) {
      const m0 = performance.now();
      const mask = constraint.allowedTokens(picksLeft());
      maskLogits(row, mask);
      opts.copyBias?.apply(row, mask, constraint, tokens);
      maskMs += performance.now() - m0;
    }
    const id = picker.pick(row);
    if (id < 0) throw new Error('no token is allowed here: the vocabulary lacks a byte the plan needs');
    constraint?.advance(id);
    if (id === opts.endId) return { tokens, ended: true, prefillMs, decodeMs, maskMs };
    tokens.push(id);
    if (tokens.length >= opts.maxTokens || decoder.length >= decoder.capacity) break;
    t0 = performance.now();
    row = await decoder.feed([id]);
    decodeMs += performance.now() - t0;
  }
  return { tokens, ended: false, prefillMs, decodeMs, maskMs };
}
